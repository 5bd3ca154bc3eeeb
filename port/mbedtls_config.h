/* mbedTLS configuration: only what edgeartist uses. Today: SHA-1 and base64 for the
 * WebSocket handshake, AES CTR-DRBG for identifiers. TLS (HTTPS/WSS) adds its modules here with a
 * static heap. */
#ifndef EDGE_MBEDTLS_CONFIG_H
#define EDGE_MBEDTLS_CONFIG_H

#define MBEDTLS_SHA1_C
#define MBEDTLS_BASE64_C
/* Job ids: a CTR-DRBG seeded from the board's entropy. */
#define MBEDTLS_AES_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_NO_PLATFORM_ENTROPY

#include "mbedtls/check_config.h"

#endif
