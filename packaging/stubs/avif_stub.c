/* Stands in for libavif (4.9 MB with the AV1 codecs built in) in the bundle. OpenCV's imgcodecs links it for
 * .avif files; the app only encodes PNG and JPEG with cv2.imencode (reviewer/export/stills.py, pdf.py,
 * media/thumbnail.py, cli.py) and never reads images with cv2. Pillow's own AVIF plugin is left out of the bundle
 * (bwv-reviewer.spec), so this serves cv2 alone. These are the functions cv2 takes from libavif; creating a decoder
 * gives NULL, which OpenCV's signature probe (run for every image it decodes) takes as "not an AVIF file"; an
 * encoder or image is an empty one, and every call that would convert or encode reports "not implemented", which
 * OpenCV turns into a failed write.
 * packaging/shared_libs.py builds this with the replaced library's SONAME and checks it defines every symbol cv2
 * takes from libavif; tests/core/test_codec_stubs.py runs cv2's image codecs through it. */

#include <stdlib.h>

#define AVIF_RESULT_NOT_IMPLEMENTED 8 /* avif.h's avifResult */

/* An encoder or image is a zeroed block larger than libavif's structs: OpenCV sets fields on an encoder
 * and an image before its first call that can fail, and does not check creation for NULL everywhere. */
static void *zeroed(void) { return calloc(1, 1 << 16); } /* arguments are ignored (SysV x86-64 ABI) */
static void release(void *p) { free(p); }
static int refused(void) { return AVIF_RESULT_NOT_IMPLEMENTED; }
static void *none(void) { return NULL; }
static void nothing(void) {}

#define ALIAS(name, target) __typeof__(target) name __attribute__((alias(#target)));
ALIAS(avifDecoderCreate, none) /* OpenCV's signature probe: "not AVIF" */
ALIAS(avifEncoderCreate, zeroed)
ALIAS(avifImageCreate, zeroed)
ALIAS(avifImageCreateEmpty, zeroed)
ALIAS(avifDecoderDestroy, release)
ALIAS(avifEncoderDestroy, release)
ALIAS(avifImageDestroy, release)
ALIAS(avifDecoderNextImage, refused)
ALIAS(avifDecoderParse, refused)
ALIAS(avifDecoderSetIOFile, refused)
ALIAS(avifDecoderSetIOMemory, refused)
ALIAS(avifEncoderAddImage, refused)
ALIAS(avifEncoderFinish, refused)
ALIAS(avifImageRGBToYUV, refused)
ALIAS(avifImageSetMetadataExif, refused)
ALIAS(avifImageSetMetadataXMP, refused)
ALIAS(avifImageSetProfileICC, refused)
ALIAS(avifImageYUVToRGB, refused)
ALIAS(avifRGBImageSetDefaults, nothing)
ALIAS(avifRWDataFree, nothing)

const char *avifResultToString(int result) { return "AVIF is not included in BWV Reviewer"; }
