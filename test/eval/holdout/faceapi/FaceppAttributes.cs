using Newtonsoft.Json;

namespace FaceSdk.Models
{
    public class ValueAttribute
    {
        [JsonProperty("value")]
        public string Value { get; set; }
    }

    public class FaceAttributes
    {
        [JsonProperty("gender")]
        public ValueAttribute Gender { get; set; }

        [JsonProperty("age")]
        public ValueAttribute Age { get; set; }

        [JsonProperty("smile")]
        public SmileAttribute Smile { get; set; }

        [JsonProperty("glass")]
        public ValueAttribute Glass { get; set; }

        [JsonProperty("ethnicity")]
        public ValueAttribute Ethnicity { get; set; }

        [JsonProperty("beauty")]
        public BeautyAttribute Beauty { get; set; }
    }
}
