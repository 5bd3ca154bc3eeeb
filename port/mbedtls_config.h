/* mbedTLS 3.6 configuration: only what edgeartist uses. SHA-1 and base64 for the WebSocket
 * handshake, AES CTR-DRBG for identifiers, and the TLS server of port/altcp_tls3.c: TLS 1.3
 * and 1.2, ECDHE over X25519 or P-256, AES-128-GCM or ChaCha20-Poly1305, an ECDSA P-256 device
 * key, session tickets. mbedTLS 3 checks this file itself (build_info.h includes
 * check_config.h after it). */
#ifndef EDGE_MBEDTLS_CONFIG_H
#define EDGE_MBEDTLS_CONFIG_H

#include <stddef.h>

/* ---- The WebSocket handshake and job ids ------------------------------------------ */
#define MBEDTLS_SHA1_C
#define MBEDTLS_BASE64_C
/* Job ids and TLS randomness: CTR-DRBGs seeded from board_entropy(), no OS source. */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES /* 8 KB of tables in flash, not built in RAM at start */
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_NO_PLATFORM_ENTROPY

#if !defined(EDGE_NO_TLS)
/* ---- Memory: every allocation comes from the static buffer of port/altcp_tls3.c ----- */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
/* Until tls3_init sets the arenas' calloc and free (port/tls_arena.h), allocation fails:
 * libc's heap is never referenced. */
#define MBEDTLS_PLATFORM_STD_CALLOC edge_tls_no_calloc
#define MBEDTLS_PLATFORM_STD_FREE   edge_tls_no_free
/* PSA would copy each record's ciphertext and plaintext into a fresh heap block (up to
 * 16 KB) around every AEAD call, a guard against buffers shared with another process; here
 * the buffers are the TLS layer's own. Without this a record's decryption needed 16 KB of
 * contiguous heap and failed beside a second session (-0x7f00 on a read). */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS
#define MBEDTLS_PLATFORM_FPRINTF_MACRO edge_tls_fprintf
void *edge_tls_no_calloc(size_t n, size_t size);
void edge_tls_no_free(void *p);
int edge_tls_fprintf(void *stream, const char *fmt, ...);
/* Tickets carry their age: milliseconds from the board's clock. */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#define MBEDTLS_PLATFORM_TIME_MACRO      edge_tls_time
#define MBEDTLS_PLATFORM_TIME_TYPE_MACRO long long
long long edge_tls_time(long long *t);

/* ---- PSA (TLS 1.3 needs it), random from our DRBG -------------------------------- */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
#define MBEDTLS_USE_PSA_CRYPTO
/* Keys alive at once: per session an ECDHE key and two traffic keys per direction and
 * epoch, plus the ticket keys. A slot is ~100 B. */
#define MBEDTLS_PSA_KEY_SLOT_COUNT 48
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_HKDF_C

/* ---- Algorithms ----------------------------------------------------------------- */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA224_C /* mbedTLS's SHA-256 module is built with SHA-224 */
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* ---- TLS server ------------------------------------------------------------------ */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE /* middleboxes expect a 1.2-looking flight */
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED /* resumption */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED                   /* the only 1.2 key exchange */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_TICKET_C
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE  /* TLS 1.3 requires it; we ask for no client certificate \
                                            */
/* Records in: 16 KB, as any client may send (browsers do not negotiate a smaller size);
 * records out: 2 KB, more than TCP's send window takes at once and than our largest
 * handshake message (the one-certificate chain, ~0.6 KB). */
#define MBEDTLS_SSL_IN_CONTENT_LEN  16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 2048
#define MBEDTLS_SSL_CIPHERSUITES                                                                   \
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,                    \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,                                           \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
#endif /* EDGE_NO_TLS */

#endif
