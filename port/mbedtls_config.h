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

#endif
