/*
 * test_mime.c — RFC 2047 header encoding (mail/mime.h).
 *
 * Encoded output is decoded here with libsodium's base64 decoder, word by
 * word, and checked against the input; each word is checked for its length
 * (≤ 75) and for holding whole UTF-8 characters only (RFC 2047 §5).
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/err.h"
#include "mail/mime.h"
#include "unit.h"
#include "base/banned.h"

#define PREFIX "=?UTF-8?B?"
#define SUFFIX "?="

/* Length of the UTF-8 sequence a lead byte starts; 0 for a continuation. */
static size_t
lead_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xC0 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Does bin[0..n) start and end on character boundaries? */
static bool
whole_chars(const unsigned char *bin, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t k = lead_len(bin[i]);

        if (k == 0 || i + k > n)
            return false;
        i += k;
    }
    return true;
}

/* Decode one encoded word of length n into out (appending). */
static void
decode_word(const char *name, const char *w, size_t n, struct ob_buf *out)
{
    size_t plen = strlen(PREFIX), slen = strlen(SUFFIX), bin_len = 0;
    unsigned char bin[128];
    char b64[128];

    if (n > 75)
        fail_msg("%s: word of %zu characters: %.*s", name, n, (int)n, w);
    if (n < plen + slen || strncmp(w, PREFIX, plen) || strncmp(w + n - slen, SUFFIX, slen))
        fail_msg("%s: not an encoded word: %.*s", name, (int)n, w);
    snprintf(b64, sizeof(b64), "%.*s", (int)(n - plen - slen), w + plen);
    if (sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL, &bin_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        fail_msg("%s: bad base64 in %s", name, b64);
    if (!whole_chars(bin, bin_len))
        fail_msg("%s: word %s splits a character", name, b64);
    assert_int_equal(ob_buf_add(out, bin, bin_len), 0);
}

/* Decode the whole encoded value; returns the number of words. */
static int
decode(const char *name, const char *enc, struct ob_buf *out)
{
    int words = 0;

    for (const char *p = enc;; words++) {
        const char *fold = strstr(p, "\r\n ");
        size_t n = fold ? (size_t)(fold - p) : strlen(p);

        decode_word(name, p, n, out);
        if (!fold)
            return words + 1;
        p = fold + 3;
    }
}

static void
check_round_trip(const char *name, const char *in, int want_words)
{
    struct ob_buf enc, dec;
    int words;

    ob_buf_init(&enc, 1 << 16);
    ob_buf_init(&dec, 1 << 16);
    CHECK_INT(name, ob_mime_header_encode(&enc, in), 0);
    for (size_t i = 0; i < enc.len; i++)
        if ((unsigned char)enc.p[i] > 0x7E || (enc.p[i] < 0x20 && !strchr("\r\n", enc.p[i])))
            fail_msg("%s: non-ASCII byte 0x%02x in the encoding", name, enc.p[i]);
    words = decode(name, enc.p, &dec);
    CHECK_STR(name, dec.p, in);
    if (want_words)
        CHECK_INT(name, words, want_words);
    ob_buf_free(&enc);
    ob_buf_free(&dec);
}

static const struct ascii_case {
    const char *name, *in;
} ascii_cases[] = {
    { "empty", "" },
    { "plain subject", "Your invoice for March" },
    { "punctuation", "Re: [Oblako] #42 (done) - 100% <ok> a?b x=y ~!" },
    { "long ASCII is not folded",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
};

static void
test_mime_ascii_unchanged(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(ascii_cases); i++) {
        const struct ascii_case *c = &ascii_cases[i];
        struct ob_buf b;

        ob_buf_init(&b, 1024);
        CHECK_INT(c->name, ob_buf_adds(&b, "Subject: "), 0);
        CHECK_INT(c->name, ob_mime_header_encode(&b, c->in), 0);
        CHECK_TRUE(c->name, !strncmp(b.p, "Subject: ", 9));
        CHECK_STR(c->name, b.p + 9, c->in);
        ob_buf_free(&b);
    }
}

static const struct encode_case {
    const char *name, *in;
    int words;
} encode_cases[] = {
    { "Cyrillic subject", "Ваш счёт за март", 1 },
    { "mixed", "Счёт №42 (Oblako)", 1 },
    { "Latin-1", "Café crème", 1 },
    { "emoji", "Готово ✅ 😀", 1 },
    { "CRLF would inject a header", "Hello\r\nBcc: victim@example.com", 1 },
    { "bare LF", "a\nb", 1 },
    { "TAB", "a\tb", 1 },
    { "looks like an encoded word", "=?UTF-8?B?0J/RgNC40LLQtdGC?=", 1 },
    { "45 bytes fit one word", "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖa", 1 },
    { "46 bytes need two", "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ", 2 },
    { "long Cyrillic subject",
      "Подписка на тариф «Облако ПРОФ» продлена до 31 марта 2026 года включительно; "
      "спасибо, что остаётесь с нами!",
      0 },
};

static void
test_mime_encodes(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(encode_cases); i++)
        check_round_trip(encode_cases[i].name, encode_cases[i].in, encode_cases[i].words);
}

/* Characters of every length at every offset: some chunk boundary falls
 * inside a 2-, 3- and 4-byte sequence whatever the alignment. */
static void
test_mime_never_splits_a_character(void **state)
{
    static const char *const chars[] = { "ж", "€", "😀", "ё€😀" };
    char in[1024], name[64];

    (void)state;
    for (size_t c = 0; c < NELEM(chars); c++) {
        for (int lead = 0; lead < 4; lead++) {
            size_t n = 0;

            for (int k = 0; k < lead; k++)
                in[n++] = 'a';
            while (n + strlen(chars[c]) < 400) {
                memcpy(in + n, chars[c], strlen(chars[c]));
                n += strlen(chars[c]);
            }
            in[n] = '\0';
            snprintf(name, sizeof(name), "'%s' after %d ASCII", chars[c], lead);
            check_round_trip(name, in, 0);
        }
    }
}

static const struct invalid_case {
    const char *name, *in;
} invalid_cases[] = {
    { "truncated sequence", "Привет\xD0" },
    { "lone continuation", "a\x80" "b" },
    { "overlong slash", "\xC0\xAF" },
    { "overlong 3-byte", "\xE0\x80\xAF" },
    { "surrogate", "\xED\xA0\x80" },
    { "above U+10FFFF", "\xF4\x90\x80\x80" },
    { "0xFF", "ok\xFF" },
};

static void
test_mime_refuses_invalid_utf8(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(invalid_cases); i++) {
        const struct invalid_case *c = &invalid_cases[i];
        struct ob_buf b;

        ob_buf_init(&b, 1024);
        CHECK_INT(c->name, ob_buf_adds(&b, "Subject: "), 0);
        CHECK_INT(c->name, ob_mime_header_encode(&b, c->in), OB_EINVAL);
        CHECK_STR(c->name, b.p, "Subject: ");
        ob_buf_free(&b);
    }
}

static void
test_mime_cap(void **state)
{
    const char *in = "Подписка на тариф «Облако ПРОФ» продлена до 31 марта";
    struct ob_buf b;

    (void)state;
    /* room for the first word but not the second: nothing half-written */
    ob_buf_init(&b, 9 + 100);
    assert_int_equal(ob_buf_adds(&b, "Subject: "), 0);
    assert_int_equal(ob_mime_header_encode(&b, in), OB_ETOOLARGE);
    assert_string_equal(b.p, "Subject: ");
    assert_int_equal(b.len, 9);
    ob_buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mime_ascii_unchanged),
        cmocka_unit_test(test_mime_encodes),
        cmocka_unit_test(test_mime_never_splits_a_character),
        cmocka_unit_test(test_mime_refuses_invalid_utf8),
        cmocka_unit_test(test_mime_cap),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
