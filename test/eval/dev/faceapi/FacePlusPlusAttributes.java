package com.example.facepp.model;

import com.google.gson.annotations.SerializedName;

/** Attributes block of a detected face. */
public class FaceAttributes {

    public static class ValueHolder {
        @SerializedName("value")
        public String value;
    }

    public static class AgeHolder {
        @SerializedName("value")
        public int value;
    }

    @SerializedName("gender")
    private ValueHolder gender;

    @SerializedName("age")
    private AgeHolder age;

    @SerializedName("glass")
    private ValueHolder glass;

    /** One of ASIAN, WHITE, BLACK, INDIA. */
    @SerializedName("ethnicity")
    private ValueHolder ethnicity;

    @SerializedName("emotion")
    private Emotion emotion;

    public String getEthnicity() {
        return ethnicity == null ? null : ethnicity.value;
    }

    public String getGender() {
        return gender == null ? null : gender.value;
    }
}
