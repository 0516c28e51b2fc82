/* Stands in for SVT-AV1's encoder library in the bundle (7 MB). The app encodes H.264 with libx264 only
 * (reviewer/export/pipeline.py); AV1 footage is decoded by dav1d, which stays. These are the functions
 * PyAV's libavcodec takes from libSvtAv1Enc for its libsvtav1 encoder. Opening that encoder fails at its first call,
 * svt_av1_enc_init_handle, with SVT's "insufficient resources" error, which FFmpeg reports and cleans up after
 * (it tears down only a handle it was given, and none is). The others are never reached; each returns an error.
 * packaging/shared_libs.py builds this with the replaced library's SONAME and checks it defines every symbol
 * libavcodec takes from libSvtAv1Enc; tests/core/test_codec_stubs.py asks PyAV for the encoder through it. */

#include <stddef.h>

#define EB_ERROR_INSUFFICIENT_RESOURCES ((int)0x80001000)
#define EB_ERROR_UNDEFINED ((int)0x80001001)

int svt_av1_enc_init_handle(void **handle) { /* later arguments are ignored (SysV x86-64 ABI) */
    if (handle)
        *handle = NULL;
    return EB_ERROR_INSUFFICIENT_RESOURCES;
}

#define REFUSED(name) \
    int name(void) { return EB_ERROR_UNDEFINED; }
REFUSED(svt_av1_enc_deinit)
REFUSED(svt_av1_enc_deinit_handle)
REFUSED(svt_av1_enc_get_packet)
REFUSED(svt_av1_enc_get_stream_info)
REFUSED(svt_av1_enc_init)
REFUSED(svt_av1_enc_parse_parameter)
REFUSED(svt_av1_enc_release_out_buffer)
REFUSED(svt_av1_enc_send_picture)
REFUSED(svt_av1_enc_set_parameter)
REFUSED(svt_av1_enc_stream_header)
REFUSED(svt_av1_enc_stream_header_release)
REFUSED(svt_metadata_array_free)

int svt_add_metadata(void) { return -1; }
