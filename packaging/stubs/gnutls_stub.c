/* Stands in for GnuTLS (2.4 MB, with libunistring, nettle, hogweed and GMP behind it: 5.6 MB) in the bundle. PyAV's
 * libavformat links it only for its tls:// and https:// protocols; the app opens local files with PyAV and talks
 * to the store over httpx (Python's own TLS), never through FFmpeg. Opening such a URL fails at the first GnuTLS
 * call, gnutls_global_init(), and after it at the handshake, with GnuTLS's "unimplemented feature" error, which
 * FFmpeg reports (EIO) and cleans up after. The symbols carry GnuTLS's version GNUTLS_3_4 (gnutls_stub.map), as
 * libavformat asks for them by that version.
 * packaging/shared_libs.py builds this with the replaced library's SONAME and checks it defines every symbol
 * libavformat takes from GnuTLS, version included; tests/core/test_codec_stubs.py opens an https URL through it. */

#include <stddef.h>

#define GNUTLS_E_UNIMPLEMENTED_FEATURE (-1250)

const char *gnutls_strerror(int error) { return "GnuTLS is not included in BWV Reviewer"; }
int gnutls_error_is_fatal(int error) { return 1; }
int gnutls_init(void **session, unsigned int flags) {
    if (session)
        *session = NULL;
    return GNUTLS_E_UNIMPLEMENTED_FEATURE;
}
int gnutls_certificate_allocate_credentials(void **credentials) {
    if (credentials)
        *credentials = NULL;
    return GNUTLS_E_UNIMPLEMENTED_FEATURE;
}

static int unimplemented(void) { return GNUTLS_E_UNIMPLEMENTED_FEATURE; } /* arguments are ignored (SysV x86-64) */
static void *none(void) { return NULL; }
static int zero(void) { return 0; }

#define ALIAS(name, target) __typeof__(target) name __attribute__((alias(#target)));
ALIAS(gnutls_certificate_get_peers, none)
ALIAS(gnutls_certificate_type_get, zero)
ALIAS(gnutls_sec_param_to_pk_bits, zero)
ALIAS(gnutls_dtls_get_data_mtu, zero)
ALIAS(gnutls_bye, unimplemented)
ALIAS(gnutls_certificate_free_credentials, unimplemented)
ALIAS(gnutls_certificate_set_verify_flags, unimplemented)
ALIAS(gnutls_certificate_set_x509_key, unimplemented)
ALIAS(gnutls_certificate_set_x509_key_file, unimplemented)
ALIAS(gnutls_certificate_set_x509_key_mem, unimplemented)
ALIAS(gnutls_certificate_set_x509_system_trust, unimplemented)
ALIAS(gnutls_certificate_set_x509_trust_file, unimplemented)
ALIAS(gnutls_certificate_verify_peers2, unimplemented)
ALIAS(gnutls_credentials_set, unimplemented)
ALIAS(gnutls_deinit, unimplemented)
ALIAS(gnutls_dtls_set_mtu, unimplemented)
ALIAS(gnutls_global_deinit, unimplemented)
ALIAS(gnutls_global_init, unimplemented)
ALIAS(gnutls_handshake, unimplemented)
ALIAS(gnutls_record_recv, unimplemented)
ALIAS(gnutls_record_send, unimplemented)
ALIAS(gnutls_server_name_set, unimplemented)
ALIAS(gnutls_set_default_priority, unimplemented)
ALIAS(gnutls_srtp_get_keys, unimplemented)
ALIAS(gnutls_srtp_set_profile, unimplemented)
ALIAS(gnutls_transport_set_ptr, unimplemented)
ALIAS(gnutls_transport_set_pull_function, unimplemented)
ALIAS(gnutls_transport_set_pull_timeout_function, unimplemented)
ALIAS(gnutls_transport_set_push_function, unimplemented)
ALIAS(gnutls_x509_crt_check_hostname, unimplemented)
ALIAS(gnutls_x509_crt_deinit, unimplemented)
ALIAS(gnutls_x509_crt_export, unimplemented)
ALIAS(gnutls_x509_crt_get_fingerprint, unimplemented)
ALIAS(gnutls_x509_crt_import, unimplemented)
ALIAS(gnutls_x509_crt_init, unimplemented)
ALIAS(gnutls_x509_crt_set_activation_time, unimplemented)
ALIAS(gnutls_x509_crt_set_dn, unimplemented)
ALIAS(gnutls_x509_crt_set_expiration_time, unimplemented)
ALIAS(gnutls_x509_crt_set_issuer_dn, unimplemented)
ALIAS(gnutls_x509_crt_set_key, unimplemented)
ALIAS(gnutls_x509_crt_set_serial, unimplemented)
ALIAS(gnutls_x509_crt_set_version, unimplemented)
ALIAS(gnutls_x509_crt_sign2, unimplemented)
ALIAS(gnutls_x509_privkey_deinit, unimplemented)
ALIAS(gnutls_x509_privkey_export, unimplemented)
ALIAS(gnutls_x509_privkey_generate, unimplemented)
ALIAS(gnutls_x509_privkey_import, unimplemented)
ALIAS(gnutls_x509_privkey_init, unimplemented)
