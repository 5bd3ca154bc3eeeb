/* mbedTLS's allocator hooks while nothing in mbedTLS allocates (SHA-1, base64, CTR-DRBG):
 * allocation fails, and freeing NULL is all that can happen. */
#include <stddef.h>

void *edge_tls_no_calloc(size_t n, size_t size);
void edge_tls_no_free(void *p);

void *edge_tls_no_calloc(size_t n, size_t size)
{
    (void)n, (void)size;
    return NULL;
}

void edge_tls_no_free(void *p)
{
    (void)p;
}
