/*
 * utf8.c — UTF-8 validation shared by the JSON renderer and the mail encoder.
 */
#include "utf8.h"
#include "banned.h"

size_t
ob_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
    unsigned long v = n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;

    if (n <= 1)
        return n;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || (v >= 0xD800 && v <= 0xDFFF) ||
        v > 0x10FFFF)
        return 0;
    return n;
}

bool
ob_utf8_valid(const char *s)
{
    for (size_t n; *s; s += n)
        if ((n = ob_utf8_len((const unsigned char *)s)) == 0)
            return false;
    return true;
}
