/* lwIP's compiler/platform hooks, for every board. Diagnostics and assertions go to the
 * firmware log; randomness comes from the board's entropy (used for ports and ISNs). */
#ifndef EDGE_ARCH_CC_H
#define EDGE_ARCH_CC_H

#include <stdint.h>

#define LWIP_NO_CTYPE_H      0
#define LWIP_TIMEVAL_PRIVATE 0

void edge_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void edge_lwip_assert(const char *msg, const char *file, int line) __attribute__((noreturn));
uint32_t edge_lwip_rand(void);

#define LWIP_PLATFORM_DIAG(x)   edge_lwip_diag x
#define LWIP_PLATFORM_ASSERT(x) edge_lwip_assert((x), __FILE__, __LINE__)
#define LWIP_RAND()             edge_lwip_rand()

#endif
