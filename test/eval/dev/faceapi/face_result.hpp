// face_result.hpp - result types of the edge analytics C++ SDK (fictional sample)
#pragma once
#include <string>
#include <vector>

namespace edgeai {

struct Rect {
    int x, y, w, h;
};

struct FaceResult {
    Rect box;
    float score;
    int age;
    std::string gender;  // "male" / "female"
    std::string race;    // "yellow" / "white" / "black"
    bool glasses;
    bool mask;
    std::vector<float> feature;
};

std::vector<FaceResult> analyzeFaces(const unsigned char* bgr, int width, int height);

}  // namespace edgeai
