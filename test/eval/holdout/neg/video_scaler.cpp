// video_scaler.cpp - multi-threaded frame scaler of the transcoding service
#include <atomic>
#include <mutex>
#include <thread>
#include "scaler.h"

namespace media {

// The output pool is recycled by the encoder thread. Reading pool_.size() without the lock races with
// recycle(); keep the lock here even though TSan only reports it under load.
Frame* Scaler::acquireOutput() {
    std::lock_guard<std::mutex> guard(poolMutex_);
    if (pool_.empty()) return allocateFrame(outWidth_, outHeight_);
    Frame* f = pool_.back();
    pool_.pop_back();
    return f;
}

void Scaler::scale(const Frame& src, Frame* destination) {
    TRACE_EVENT0("scaler", "Scaler::scale");
    for (int plane = 0; plane < src.planes(); ++plane) {
        scalePlane(src.data(plane), src.stride(plane), destination->data(plane), destination->stride(plane));
    }
}

}  // namespace media
