// Skin-colour segmentation used as a cheap pre-filter before the face detector runs.
// Pixels are classified, not people: a region with enough skin-like pixels is passed to the detector.
#include <opencv2/imgproc.hpp>

namespace prefilter {

static const cv::Scalar kSkinLowerYCrCb(0, 133, 77);
static const cv::Scalar kSkinUpperYCrCb(255, 173, 127);

cv::Mat skinMask(const cv::Mat& bgr) {
    cv::Mat ycrcb, mask;
    cv::cvtColor(bgr, ycrcb, cv::COLOR_BGR2YCrCb);
    cv::inRange(ycrcb, kSkinLowerYCrCb, kSkinUpperYCrCb, mask);
    cv::morphologyEx(mask, mask, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
    return mask;
}

bool worthDetecting(const cv::Mat& bgr, double minSkinRatio) {
    const cv::Mat mask = skinMask(bgr);
    const double skinRatio = cv::countNonZero(mask) / static_cast<double>(mask.total());
    return skinRatio >= minSkinRatio;  // faces need a minimum of skin-coloured pixels
}

}  // namespace prefilter
