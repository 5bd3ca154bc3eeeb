#include "app/ws/ws_close.h"

#include "app/ws/ws_frame.h"
#include "app/util/utf8.h"

bool ws_close_code_valid(uint16_t code)
{
    if (code >= 1000 && code <= 1003) return true;
    if (code >= 1007 && code <= 1011) return true;
    return code >= 3000 && code <= 4999;
}

uint16_t ws_close_check(const uint8_t *p, size_t n, uint16_t *peer_code)
{
    *peer_code = WS_CLOSE_NO_STATUS;
    if (n == 0) return 0;
    if (n == 1) return WS_CLOSE_PROTOCOL; /* a code is two bytes */
    uint16_t code = (uint16_t)((p[0] << 8) | p[1]);
    *peer_code = code;
    if (!ws_close_code_valid(code)) return WS_CLOSE_PROTOCOL;
    if (!utf8_valid(p + 2, n - 2)) return WS_CLOSE_BAD_DATA;
    return 0;
}
