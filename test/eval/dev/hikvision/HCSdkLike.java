package com.hik.sdk;

import com.sun.jna.Structure;
import com.sun.jna.win32.StdCallLibrary;

public interface HCNetSDK extends StdCallLibrary {

    int NET_DVR_GET_FACECAPTURE_CFG = 3331;

    //人体特征
    public static class NET_VCA_HUMAN_FEATURE extends Structure {
        public byte byAgeGroup;     //年龄段
        public byte bySex;          //性别
        public byte byEyeGlass;     //是否戴眼镜
        public byte byAge;          //年龄
        public byte byAgeDeviation; //年龄误差值
        public byte byRes0;
        public byte byMask;         //是否戴口罩
        public byte bySmile;        //是否微笑
        public byte byFaceExpression;
        public byte byBeard;        //胡子
        public byte byRace;         //人种
        public byte byHat;          //帽子
        public byte[] byRes = new byte[4];
    }

    public static class NET_VCA_FACESNAP_RESULT extends Structure {
        public int dwSize;
        public int dwRelativeTime;
        public int dwAbsTime;
        public int dwFacePicID;
        public int dwFaceScore;
        public NET_VCA_HUMAN_FEATURE struFeature = new NET_VCA_HUMAN_FEATURE();
        public byte[] byRes1 = new byte[3];
    }
}
