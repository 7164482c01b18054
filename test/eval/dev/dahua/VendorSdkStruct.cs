using System;
using System.Runtime.InteropServices;

namespace NetSDKCS
{
    /// <summary>
    /// 民族
    /// nation type
    /// </summary>
    public enum EM_NATION_TYPE
    {
        /// <summary>
        /// 未知
        /// unknown
        /// </summary>
        UNKNOWN,
        /// <summary>
        /// 维族(新疆)
        /// uygur
        /// </summary>
        UYGUR,
        /// <summary>
        /// 其他
        /// other
        /// </summary>
        OTHER,
        /// <summary>
        /// 设备未识别
        /// unidentified by the device
        /// </summary>
        UNIDENTIFIED,
    }

    /// <summary>
    /// 人脸属性
    /// face attribute
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NET_FACE_ATTRIBUTE
    {
        /// <summary>
        /// 性别
        /// sex
        /// </summary>
        public EM_SEX_TYPE emSex;
        /// <summary>
        /// 年龄,-1表示该字段数据无效
        /// age, -1 means invalid
        /// </summary>
        public int nAge;
        /// <summary>
        /// 眼镜 glasses
        /// </summary>
        public EM_HAS_GLASS emGlasses;
        /// <summary>
        /// 口罩 mask
        /// </summary>
        public EM_MASK_STATE_TYPE emMask;
        /// <summary>
        /// 民族
        /// nation
        /// </summary>
        public EM_NATION_TYPE emNation;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 64)]
        public byte[] byReserved;
    }
}
