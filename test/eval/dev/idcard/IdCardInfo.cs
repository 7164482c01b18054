namespace Reception.Devices.IdReader
{
    /// <summary>Data read from the chip of a resident ID card by the desktop reader.</summary>
    public sealed class IdCardInfo
    {
        public string Name { get; init; } = "";
        public string Gender { get; init; } = "";
        /// <summary>民族, e.g. "汉".</summary>
        public string Ethnicity { get; init; } = "";
        public string BirthDate { get; init; } = "";
        public string Address { get; init; } = "";
        public string IdNumber { get; init; } = "";
        public string IssuingAuthority { get; init; } = "";
        public string ValidPeriod { get; init; } = "";
        public byte[] Photo { get; init; } = [];
    }
}
