#pragma once
#include <cstdint>

namespace vision {

enum class Gender : std::uint8_t { Unknown, Male, Female };
enum class Ethnicity : std::uint8_t { Unknown, Han, Uyghur, Other };

class FaceAttributes {
public:
    Gender gender() const { return gender_; }
    int age() const { return age_; }
    bool hasGlasses() const { return glasses_; }
    Ethnicity ethnicity() const { return ethnicity_; }

private:
    Gender gender_ = Gender::Unknown;
    int age_ = -1;
    bool glasses_ = false;
    Ethnicity ethnicity_ = Ethnicity::Unknown;
};

}  // namespace vision
