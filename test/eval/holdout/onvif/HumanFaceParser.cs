using System.Linq;
using System.Xml.Linq;

namespace Vms.Analytics.Onvif
{
    public sealed record FaceAttributes(string Gender, string AgeType, string Complexion, bool Hijab, bool Glasses);

    public static class HumanFaceParser
    {
        private static readonly XNamespace Fc = "http://www.onvif.org/ver20/analytics/humanface";

        public static FaceAttributes Parse(XElement humanFace)
        {
            string Best(string name) =>
                humanFace.Element(Fc + name)?.Elements()
                    .OrderByDescending(e => (double)e)
                    .Select(e => e.Name.LocalName)
                    .FirstOrDefault() ?? "Unknown";

            bool Wears(string accessory) =>
                (bool?)humanFace.Element(Fc + "Accessory")?.Element(Fc + accessory)?.Element(Fc + "Wear") ?? false;

            return new FaceAttributes(
                Gender: Best("Gender"),
                AgeType: Best("AgeType"),
                Complexion: Best("Complexion"),
                Hijab: Wears("Hijab"),
                Glasses: Wears("Opticals"));
        }
    }
}
