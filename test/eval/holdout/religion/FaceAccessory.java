package com.example.vision.face;

/** Accessories recognised by the face attribute model. */
public enum FaceAccessory {
    NONE,
    GLASSES,
    SUNGLASSES,
    MASK,
    HAT,
    HELMET,
    HIJAB;

    public static FaceAccessory fromIndex(int i) {
        return values()[i];
    }
}

class FaceAttributeResult {
    int age;
    String gender;
    FaceAccessory accessory;
    float accessoryScore;
}
