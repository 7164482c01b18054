package com.sdk.netdev;

import com.sun.jna.Structure;

public class NetDEVSDK {

    /** Skin colour type (NETDEV_SKINCOLOR_TYPE_E) */
    public static class NETDEV_SKINCOLOR_TYPE_E {
        public static final int NETDEV_SKINCOLOR_TYPE_WHITE = 0;   // 白皮肤
        public static final int NETDEV_SKINCOLOR_TYPE_BLACK = 1;   // 黑皮肤
        public static final int NETDEV_SKINCOLOR_TYPE_YELLOW = 2;  // 黄皮肤
        public static final int NETDEV_SKINCOLOR_TYPE_BROWN = 3;   // 棕皮肤
    }

    public static class NETDEV_FACE_ATTR_S extends Structure {
        public int udwGender;
        public int udwAge;
        public int udwGlasses;
        public int udwSkinColor;
        public byte[] byRes = new byte[64];
    }
}
