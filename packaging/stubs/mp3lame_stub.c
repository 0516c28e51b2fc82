/* Stands in for LAME (0.4 MB) in the bundle: PyAV's libavcodec links it for its MP3 *encoder*; the app encodes AAC
 * only, and MP3 audio is decoded by FFmpeg's own mp3 decoders. Opening the encoder fails at lame_init() (NULL),
 * which FFmpeg reports as ENOMEM; its cleanup then calls lame_close(NULL), harmless here.
 * packaging/shared_libs.py builds this with the replaced library's SONAME and checks it defines every symbol
 * libavcodec takes from LAME; tests/core/test_codec_stubs.py runs PyAV through it. */

#include <stddef.h>

static void *none(void) { return NULL; } /* arguments are ignored (SysV x86-64 ABI) */
static int failed(void) { return -1; }
static int zero(void) { return 0; }

#define ALIAS(name, target) __typeof__(target) name __attribute__((alias(#target)));
ALIAS(lame_init, none)
ALIAS(lame_close, zero)
ALIAS(lame_get_encoder_delay, zero)
ALIAS(lame_get_framesize, zero)
ALIAS(lame_encode_buffer, failed)
ALIAS(lame_encode_buffer_float, failed)
ALIAS(lame_encode_buffer_int, failed)
ALIAS(lame_encode_flush, failed)
ALIAS(lame_init_params, failed)
ALIAS(lame_set_VBR, failed)
ALIAS(lame_set_VBR_mean_bitrate_kbps, failed)
ALIAS(lame_set_VBR_quality, failed)
ALIAS(lame_set_bWriteVbrTag, failed)
ALIAS(lame_set_brate, failed)
ALIAS(lame_set_copyright, failed)
ALIAS(lame_set_disable_reservoir, failed)
ALIAS(lame_set_in_samplerate, failed)
ALIAS(lame_set_lowpassfreq, failed)
ALIAS(lame_set_mode, failed)
ALIAS(lame_set_num_channels, failed)
ALIAS(lame_set_original, failed)
ALIAS(lame_set_out_samplerate, failed)
ALIAS(lame_set_quality, failed)
