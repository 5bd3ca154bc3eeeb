/* mbedTLS 3.6 configuration: only what edgeartist uses. Today: SHA-1 and base64 for the
 * WebSocket handshake, AES CTR-DRBG for identifiers. mbedTLS 3 checks this file itself
 * (build_info.h includes check_config.h after it). */
#ifndef EDGE_MBEDTLS_CONFIG_H
#define EDGE_MBEDTLS_CONFIG_H

#define MBEDTLS_SHA1_C
#define MBEDTLS_BASE64_C
/* Job ids: a CTR-DRBG seeded from the board's entropy (board_entropy(), no OS source). */
#define MBEDTLS_AES_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_NO_PLATFORM_ENTROPY

/* mbedTLS 3.6 frees through mbedtls_free even where nothing is allocated (platform_util's
 * zeroize-and-free): route it to functions of ours so that libc's heap is never referenced
 * (`make check-heap`). Nothing here allocates: calloc fails (port/mbedtls_platform.c). */
#include <stddef.h>
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_STD_CALLOC edge_tls_no_calloc
#define MBEDTLS_PLATFORM_STD_FREE   edge_tls_no_free
void *edge_tls_no_calloc(size_t n, size_t size);
void edge_tls_no_free(void *p);

#endif
