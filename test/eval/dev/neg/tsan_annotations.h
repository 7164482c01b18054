// Annotations for ThreadSanitizer used by the streaming server.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define HAVE_TSAN 1
#endif

#ifdef HAVE_TSAN
extern "C" void AnnotateBenignRaceSized(const char *file, int line, const volatile void *address,
                                        long size, const char *description);
// Marks a known, harmless data race (statistics counters read without a lock).
#define ANNOTATE_BENIGN_RACE(address, description) \
    AnnotateBenignRaceSized(__FILE__, __LINE__, address, sizeof(*(address)), description)
#else
#define ANNOTATE_BENIGN_RACE(address, description)
#endif

struct StreamStats {
    long frames_sent;
    long bytes_sent;
    StreamStats() {
        ANNOTATE_BENIGN_RACE(&frames_sent, "approximate counter, racy reads are fine");
        ANNOTATE_BENIGN_RACE(&bytes_sent, "approximate counter, racy reads are fine");
    }
};
