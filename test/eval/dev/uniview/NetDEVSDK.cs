using System;
using System.Runtime.InteropServices;

namespace NETSDKHelper
{
    /* Skin color type */
    public enum NETDEV_SKINCOLOR_TYPE_E
    {
        NETDEV_SKINCOLOR_TYPE_WHITE = 0,   /* White */
        NETDEV_SKINCOLOR_TYPE_BLACK = 1,   /* Black */
        NETDEV_SKINCOLOR_TYPE_YELLOW = 2,  /* Yellow */
        NETDEV_SKINCOLOR_TYPE_BROWN = 3,   /* Brown */
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct NETDEV_FACE_ATTR_S
    {
        public UInt32 udwGender;       /* Gender */
        public UInt32 udwAge;          /* Age */
        public UInt32 udwAgeRange;     /* Age range */
        public UInt32 udwGlasses;      /* Glasses */
        public UInt32 udwSkinColor;    /* Skin color */
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 64)]
        public Byte[] byRes;
    }
}
