/* Stands in for libvpx (2.3 MB) in the bundle. PyAV's libavcodec links it for the libvpx VP8/VP9 encoders and
 * decoders; the app encodes H.264 only, and VP8/VP9 footage is decoded by FFmpeg's own vp8/vp9 decoders, which come
 * first for their codec ids. At start FFmpeg asks each codec interface for its capabilities (none here); opening a
 * libvpx encoder fails at its first configuration call and a libvpx decoder at its init, both with libvpx's
 * "incapable" error, which FFmpeg reports as EINVAL.
 * packaging/shared_libs.py builds this with the replaced library's SONAME and checks it defines every symbol
 * libavcodec takes from libvpx; tests/core/test_codec_stubs.py runs PyAV through it. */

#include <stddef.h>

#define VPX_CODEC_INCAPABLE 4 /* vpx_codec_err_t */

static const char *not_included(void) { return "libvpx is not included in BWV Reviewer"; }
static void *none(void) { return NULL; } /* arguments are ignored (SysV x86-64 ABI) */
static int zero(void) { return 0; }
static int incapable(void) { return VPX_CODEC_INCAPABLE; }

#define ALIAS(name, target) __typeof__(target) name __attribute__((alias(#target)));
ALIAS(vpx_codec_build_config, not_included)
ALIAS(vpx_codec_version_str, not_included)
ALIAS(vpx_codec_err_to_string, not_included)
ALIAS(vpx_codec_error, not_included)
ALIAS(vpx_codec_error_detail, not_included)
ALIAS(vpx_codec_vp8_cx, none)
ALIAS(vpx_codec_vp8_dx, none)
ALIAS(vpx_codec_vp9_cx, none)
ALIAS(vpx_codec_vp9_dx, none)
ALIAS(vpx_codec_get_cx_data, none)
ALIAS(vpx_codec_get_frame, none)
ALIAS(vpx_img_wrap, none)
ALIAS(vpx_codec_get_caps, zero)
ALIAS(vpx_codec_version, zero)
ALIAS(vpx_codec_destroy, zero)
ALIAS(vpx_codec_control_, incapable)
ALIAS(vpx_codec_dec_init_ver, incapable)
ALIAS(vpx_codec_decode, incapable)
ALIAS(vpx_codec_enc_config_default, incapable)
ALIAS(vpx_codec_enc_config_set, incapable)
ALIAS(vpx_codec_enc_init_ver, incapable)
ALIAS(vpx_codec_encode, incapable)
ALIAS(vpx_codec_set_frame_buffer_functions, incapable)
