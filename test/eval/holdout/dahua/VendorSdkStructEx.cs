using System;
using System.Runtime.InteropServices;

namespace NetSDKCS
{
    public enum EM_RACE_TYPE
    {
        EM_RACE_TYPE_UNKNOWN,
        EM_RACE_TYPE_NODISTI,
        EM_RACE_TYPE_YELLOW,
        EM_RACE_TYPE_BLACK,
        EM_RACE_TYPE_WHITE,
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct NET_FACEDETECT_OBJECT_INFO
    {
        public int nObjectID;
        public EM_SEX_TYPE emSex;
        public int nAge;
        public EM_EMOTION_TYPE emEmotion;
        public EM_HAS_GLASS emGlasses;
        public EM_RACE_TYPE emRace;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 128)]
        public byte[] byReserved;
    }
}
