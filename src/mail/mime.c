/*
 * mime.c — RFC 2047 encoded words for mail header values.
 *
 * Mail headers are ASCII. Text that is printable ASCII goes out as it is, so
 * a plain English subject stays readable in raw mail and in logs. Anything
 * else — Cyrillic, but also control characters, whose CR or LF would let a
 * tenant's text start a header of its own — goes out as encoded words in
 * base64 ("B") encoding, which keeps Cyrillic to 4/3 of its bytes, where
 * quoted-printable ("Q") would triple them. ASCII text containing "=?" is
 * encoded too, or a reader would try to decode it as a word.
 *
 * RFC 2047 limits an encoded word to 75 characters. "=?UTF-8?B?" and "?="
 * take 12, leaving 63 for base64, i.e. 15 groups of 4 characters, i.e. 45
 * bytes of text per word. A word must also decode to whole characters
 * (§5: "each 'encoded-word' MUST represent an integral number of
 * characters"), so a chunk that would end inside a UTF-8 sequence ends
 * before it instead. Input that is not valid UTF-8 is refused rather than
 * split at a guess. Words are separated by CRLF SPACE (folding white space),
 * which readers drop between adjacent encoded words.
 *
 * Base64 is libsodium's (original alphabet, with padding). Nothing is
 * allocated beyond the caller's buffer; on error it is cut back to where it
 * was.
 */
#include <sodium.h>
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "mail/mime.h"
#include "base/utf8.h"
#include "base/banned.h"

#define PREFIX "=?UTF-8?B?"
#define SUFFIX "?="
#define CHUNK ((OB_MIME_WORD_MAX - (sizeof(PREFIX) - 1) - (sizeof(SUFFIX) - 1)) / 4 * 3)
#define VARIANT sodium_base64_VARIANT_ORIGINAL

static bool
plain_ascii(const char *s)
{
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p > 0x7E)
            return false;
    return strstr(s, "=?") == NULL;
}

/* How many of the `left` bytes at s go into the next word of at most max
 * bytes; 0 when not even the first character fits. */
static size_t
chunk_len(const char *s, size_t left, size_t max)
{
    size_t n = left < max ? left : max;

    while (n > 0 && n < left && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;    /* s[n] continues a character: end the word before it */
    return n;
}

/* Bytes of text a first word may carry when the line already holds
 * `column` characters, for lines of at most 76 (RFC 2047 §2). */
static size_t
first_chunk(size_t column)
{
    size_t room = column + (sizeof(PREFIX) - 1) + (sizeof(SUFFIX) - 1) < 76
                      ? 76 - column - (sizeof(PREFIX) - 1) - (sizeof(SUFFIX) - 1)
                      : 0;

    return room / 4 * 3 < CHUNK ? room / 4 * 3 : CHUNK;
}

static int
add_word(struct ob_buf *b, const char *s, size_t n)
{
    char b64[sodium_base64_ENCODED_LEN(CHUNK, VARIANT)];

    sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s, n, VARIANT);
    return ob_buf_addf(b, PREFIX "%s" SUFFIX, b64);
}

static int
add_words(struct ob_buf *b, const char *s, size_t column)
{
    size_t left = strlen(s), n = chunk_len(s, left, first_chunk(column));
    const char *p = s;
    int rc = 0;

    if (n == 0)     /* no room on the first line: start on the next */
        rc = ob_buf_adds(b, "\r\n ");
    for (; left > 0 && rc == 0; p += n, left -= n) {
        if (p != s) {
            n = chunk_len(p, left, CHUNK);
            rc = ob_buf_adds(b, "\r\n ");
        } else if (n == 0) {
            n = chunk_len(p, left, CHUNK);
        }
        if (rc == 0)
            rc = add_word(b, p, n);
    }
    return rc;
}

int
ob_mime_header_encode(struct ob_buf *b, const char *utf8)
{
    return ob_mime_header_encode_at(b, utf8, 0);
}

int
ob_mime_header_encode_at(struct ob_buf *b, const char *utf8, size_t column)
{
    size_t start = b->len;
    int rc;

    if (plain_ascii(utf8))
        return ob_buf_adds(b, utf8);
    if (!ob_utf8_valid(utf8))
        return OB_EINVAL;
    if ((rc = add_words(b, utf8, column)) != 0) {
        b->len = start;
        if (b->cap)
            b->p[start] = '\0';
    }
    return rc;
}
