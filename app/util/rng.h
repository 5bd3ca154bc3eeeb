/* Random bytes for identifiers: mbedTLS's CTR-DRBG (AES-256) seeded from the board's
 * entropy source, reseeded by the DRBG's own schedule. */
#ifndef EDGE_RNG_H
#define EDGE_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0, or -1 if the entropy source failed. */
int rng_bytes(uint8_t *out, size_t n);

#endif
