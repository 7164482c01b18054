namespace NetSDKCS
{
    /// <summary>
    /// 肤色类型
    /// </summary>
    public enum EM_RACE_TYPE
    {
        /// <summary>未知</summary>
        EM_RACE_TYPE_UNKNOWN,
        /// <summary>未识别</summary>
        EM_RACE_TYPE_NODISTI,
        /// <summary>黄种人</summary>
        EM_RACE_TYPE_YELLOW,
        /// <summary>黑人</summary>
        EM_RACE_TYPE_BLACK,
        /// <summary>白人</summary>
        EM_RACE_TYPE_WHITE,
    }
}
