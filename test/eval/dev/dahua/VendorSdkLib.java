package com.netsdk.lib;

import com.sun.jna.Library;
import com.sun.jna.Structure;

public interface NetSDKLib extends Library {

    // 种族
    public static class EM_RACE_TYPE {
        public static final int EM_RACE_TYPE_UNKNOWN = 0;  // 未知
        public static final int EM_RACE_TYPE_NODISTI = 1;  // 未识别
        public static final int EM_RACE_TYPE_YELLOW = 2;   // 黄种人
        public static final int EM_RACE_TYPE_BLACK = 3;    // 黑人
        public static final int EM_RACE_TYPE_WHITE = 4;    // 白人
    }

    // 肤色;Complexion
    public static class EM_COMPLEXION_TYPE {
        public static final int EM_COMPLEXION_NODISTI = 0; // 未识别
        public static final int EM_COMPLEXION_YELLOW = 1;  // 黄
        public static final int EM_COMPLEXION_BLACK = 2;   // 黑
        public static final int EM_COMPLEXION_WHITE = 3;   // 白
    }

    // 人体目标信息
    public static class NET_HUMAN_FACE_OBJECT extends Structure {
        public int nObjectID;      // 目标ID
        public int nAge;           // 年龄
        public int emSex;          // 性别, 参见EM_SEX_TYPE
        public int emRace;         // 种族, 参见EM_RACE_TYPE
        public int emComplexion;   // 肤色, 参见EM_COMPLEXION_TYPE
        public int emGlasses;      // 眼镜
        public byte[] byReserved = new byte[256];
    }
}
