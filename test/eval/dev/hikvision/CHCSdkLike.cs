using System;
using System.Runtime.InteropServices;

namespace DeviceSdkDemo
{
    public class CHCNetSDK
    {
        public const int MAX_HUMAN_PICTURE_NUM = 10;

        //Human feature
        [StructLayoutAttribute(LayoutKind.Sequential)]
        public struct NET_VCA_HUMAN_FEATURE
        {
            public byte byAgeGroup;      //age group, see HUMAN_AGE_GROUP_ENUM
            public byte bySex;           //gender: 0-unknown (not supported), 1-male, 2-female, 0xff-supported but not detected
            public byte byEyeGlass;      //wearing glasses: 0-unknown, 1-no, 2-yes, 0xff-not detected
            public byte byAge;           //age: 0-unknown, 0xff-supported but not detected
            public byte byAgeDeviation;  //age deviation
            public byte byEthnic;        //reserved, this field is not open yet
            public byte byMask;          //wearing mask: 0-unknown, 1-no, 2-normal mask
            public byte bySmile;         //smile: 0-unknown, 1-no, 2-yes
            public byte byFaceExpression;//expression, see FACE_EXPRESSION_GROUP_ENUM
            public byte byBeard;         //beard: 0-not supported, 1-no beard, 2-has beard
            public byte byRace;          //race: 0-not supported, 1-Asian, 2-Black, 3-White
            public byte byHat;           //hat: 0-not supported, 1-no hat, 2-with hat
            [MarshalAsAttribute(UnmanagedType.ByValArray, SizeConst = 4, ArraySubType = UnmanagedType.I1)]
            public byte[] byRes;
        }
    }
}
