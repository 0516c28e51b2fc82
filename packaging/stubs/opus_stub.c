/* Stands in for libopus (0.4 MB) in the bundle: PyAV's libavcodec links it for the libopus encoder and decoder; the
 * app encodes AAC only, and Opus audio is decoded by FFmpeg's own opus decoder, which comes first for its codec id.
 * Creating an encoder or decoder gives NULL with OPUS_UNIMPLEMENTED in *error, which FFmpeg reports and cleans up
 * after (destroy(NULL) is harmless here).
 * packaging/shared_libs.py builds this with the replaced library's SONAME and checks it defines every symbol
 * libavcodec takes from libopus; tests/core/test_codec_stubs.py runs PyAV through it. */

#include <stddef.h>

#define OPUS_UNIMPLEMENTED (-5)

/* opus_multistream_{en,de}coder_create(Fs, channels, streams, coupled, mapping, [application,] int *error) and
 * opus_multistream_surround_encoder_create(Fs, channels, family, *streams, *coupled, mapping, application, *error):
 * the error pointer is the last argument, at a different place in each */
void *opus_multistream_decoder_create(int fs, int ch, int streams, int coupled, const unsigned char *map, int *error) {
    if (error)
        *error = OPUS_UNIMPLEMENTED;
    return NULL;
}
void *opus_multistream_encoder_create(int fs, int ch, int streams, int coupled, const unsigned char *map, int app,
                                      int *error) {
    if (error)
        *error = OPUS_UNIMPLEMENTED;
    return NULL;
}
void *opus_multistream_surround_encoder_create(int fs, int ch, int family, int *streams, int *coupled,
                                               unsigned char *map, int app, int *error) {
    if (error)
        *error = OPUS_UNIMPLEMENTED;
    return NULL;
}
const char *opus_strerror(int error) { return "libopus is not included in BWV Reviewer"; }

static int unimplemented(void) { return OPUS_UNIMPLEMENTED; } /* arguments are ignored (SysV x86-64 ABI) */
static void nothing(void) {}

#define ALIAS(name, target) __typeof__(target) name __attribute__((alias(#target)));
ALIAS(opus_multistream_decode, unimplemented)
ALIAS(opus_multistream_decode_float, unimplemented)
ALIAS(opus_multistream_decoder_ctl, unimplemented)
ALIAS(opus_multistream_encode, unimplemented)
ALIAS(opus_multistream_encode_float, unimplemented)
ALIAS(opus_multistream_encoder_ctl, unimplemented)
ALIAS(opus_multistream_decoder_destroy, nothing)
ALIAS(opus_multistream_encoder_destroy, nothing)
