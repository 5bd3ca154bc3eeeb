#include "app/util/json_check.h"

#include <stdint.h>
#include <string.h>

typedef struct {
    const char *s;
    size_t n, i;
} cur_t;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* At the opening quote; leaves i after the closing one. */
static bool scan_string(cur_t *c)
{
    c->i++;
    while (c->i < c->n) {
        unsigned char ch = (unsigned char)c->s[c->i++];
        if (ch == '"') return true;
        if (ch < 0x20) return false; /* control characters must be escaped */
        if (ch != '\\') continue;
        if (c->i >= c->n) return false;
        char e = c->s[c->i++];
        if (e == 'u') {
            if (c->n - c->i < 4) return false;
            for (int k = 0; k < 4; k++)
                if (!is_hex(c->s[c->i + (size_t)k])) return false;
            c->i += 4;
        } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
            return false;
        }
    }
    return false;
}

static size_t digits(cur_t *c)
{
    size_t start = c->i;
    while (c->i < c->n && is_digit(c->s[c->i]))
        c->i++;
    return c->i - start;
}

static bool scan_number(cur_t *c)
{
    if (c->s[c->i] == '-') c->i++;
    if (c->i >= c->n) return false;
    if (c->s[c->i] == '0')
        c->i++; /* no leading zeros */
    else if (!digits(c))
        return false;
    if (c->i < c->n && c->s[c->i] == '.') {
        c->i++;
        if (!digits(c)) return false;
    }
    if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
        c->i++;
        if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-')) c->i++;
        if (!digits(c)) return false;
    }
    return true;
}

static bool scan_literal(cur_t *c, const char *lit)
{
    size_t k = strlen(lit);
    if (c->n - c->i < k || memcmp(c->s + c->i, lit, k) != 0) return false;
    c->i += k;
    return true;
}

enum { VALUE, VALUE_OR_END, KEY_OR_END, KEY, COLON, AFTER };

bool json_check(const char *s, size_t n)
{
    cur_t c = {s, n, 0};
    uint64_t objects = 0; /* bit d set: the container at depth d+1 is an object */
    unsigned depth = 0;
    int st = VALUE;
    for (;;) {
        while (c.i < n && (s[c.i] == ' ' || s[c.i] == '\t' || s[c.i] == '\n' || s[c.i] == '\r'))
            c.i++;
        if (c.i == n) return st == AFTER && depth == 0;
        char ch = s[c.i];
        bool in_object = depth && ((objects >> (depth - 1)) & 1);
        switch (st) {
        case VALUE_OR_END:
            if (ch == ']') {
                depth--;
                c.i++;
                st = AFTER;
                continue;
            }
            /* fall through */
        case VALUE:
            if (ch == '{' || ch == '[') {
                if (depth == JSON_CHECK_DEPTH) return false;
                if (ch == '{')
                    objects |= (uint64_t)1 << depth;
                else
                    objects &= ~((uint64_t)1 << depth);
                depth++;
                c.i++;
                st = ch == '{' ? KEY_OR_END : VALUE_OR_END;
                continue;
            }
            if (ch == '"') {
                if (!scan_string(&c)) return false;
            } else if (ch == '-' || is_digit(ch)) {
                if (!scan_number(&c)) return false;
            } else if (!scan_literal(&c, "true") && !scan_literal(&c, "false") &&
                       !scan_literal(&c, "null")) {
                return false;
            }
            st = AFTER;
            continue;
        case KEY_OR_END:
            if (ch == '}') {
                depth--;
                c.i++;
                st = AFTER;
                continue;
            }
            /* fall through */
        case KEY:
            if (ch != '"' || !scan_string(&c)) return false;
            st = COLON;
            continue;
        case COLON:
            if (ch != ':') return false;
            c.i++;
            st = VALUE;
            continue;
        default:                          /* AFTER */
            if (depth == 0) return false; /* trailing garbage */
            c.i++;
            if (ch == ',') {
                st = in_object ? KEY : VALUE;
            } else if ((ch == '}' && in_object) || (ch == ']' && !in_object)) {
                depth--;
            } else {
                return false;
            }
            continue;
        }
    }
}
