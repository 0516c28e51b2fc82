/* Stands in for libx265 in the bundle (20.6 MB). The app encodes H.264 with libx264 only
 * (reviewer/export/pipeline.py); PyAV's libavcodec links libx265 for its HEVC *encoder*, and HEVC footage is
 * decoded by FFmpeg's own hevc decoder, which does not use it. libavcodec takes one symbol from it,
 * x265_api_get_<build>, and reaches everything else through the function table that returns.
 *
 * Asking for the encoder must fail cleanly, not crash: FFmpeg's libx265 wrapper calls api->param_alloc() without
 * checking api for NULL, so the table is returned and every function in it does nothing and returns 0/NULL.
 * param_alloc() returning NULL makes FFmpeg stop with "Could not allocate x265 param structure" (ENOMEM), and its
 * cleanup calls param_free(NULL), which is harmless here. Only 8-bit (and "any", 0) is offered, so FFmpeg
 * advertises no 10/12-bit pixel formats for an encoder that is not there.
 * packaging/shared_libs.py builds this with the replaced library's SONAME and checks it defines every symbol
 * libavcodec takes from libx265; tests/core/test_codec_stubs.py asks PyAV for the encoder through it. */

#include <stddef.h>

static void *refused(void) { return NULL; } /* extra arguments are harmless to ignore in the SysV x86-64 ABI */

/* x265.h's struct x265_api: eight ints and two strings, then only function pointers (about 40 in build 216; 64
 * slots leave room) */
static const struct {
    int api_major_version, api_build_number, sizeof_param, sizeof_picture, sizeof_analysis_data, sizeof_zone,
        sizeof_stats, bit_depth;
    const char *version_str, *build_info_str;
    void *(*functions[64])(void);
} api = {4, 216, 0, 0, 0, 0, 0, 8, "not included in BWV Reviewer", "not included in BWV Reviewer",
         {[0 ... 63] = refused}};

const void *x265_api_get_216(int bit_depth) { return bit_depth == 0 || bit_depth == 8 ? &api : NULL; }
