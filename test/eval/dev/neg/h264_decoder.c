/*
 * h264_decoder.c - frame-threaded H.264 decoding for the NVR playback path.
 */
#include <pthread.h>
#include <string.h>
#include "h264_decoder.h"

/* Each worker owns one picture; the reference list is shared. Publishing a decoded
 * picture before its rows are written would be a race condition between workers, so
 * progress is reported per macroblock row and waited on under progress_lock. */
static void report_progress(decoder_picture_t *pic, int mb_row)
{
    pthread_mutex_lock(&pic->progress_lock);
    pic->rows_done = mb_row;
    pthread_cond_broadcast(&pic->progress_cond);
    pthread_mutex_unlock(&pic->progress_lock);
}

void await_reference_row(decoder_picture_t *ref, int mb_row)
{
    pthread_mutex_lock(&ref->progress_lock);
    while (ref->rows_done < mb_row)
        pthread_cond_wait(&ref->progress_cond, &ref->progress_lock);
    pthread_mutex_unlock(&ref->progress_lock);
}

/* Copy a cropped plane into the destination buffer of the renderer. */
void copy_plane(uint8_t *destination, int dst_stride, const uint8_t *src, int src_stride, int w, int h)
{
    for (int y = 0; y < h; y++)
        memcpy(destination + y * dst_stride, src + y * src_stride, w);
}

void decode_slice(decoder_ctx_t *ctx, decoder_picture_t *pic, int first_mb_row, int last_mb_row)
{
    for (int row = first_mb_row; row <= last_mb_row; row++) {
        decode_mb_row(ctx, pic, row);
        report_progress(pic, row);
    }
    trace_decoder(ctx, "slice done");
}
