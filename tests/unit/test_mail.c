/*
 * test_mail.c — the message builder (mail/send.h), RFC 2047 words placed
 * after a header name (mail/mime.h), and the mail templates.
 *
 * A built message is taken apart here as a reader would: headers unfolded,
 * the multipart body split at its boundary, each part's base64 decoded and
 * compared with the text in canonical form (CRLF line ends). No network.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/err.h"
#include "base/rand.h"
#include "base/utf8.h"
#include "mail/mime.h"
#include "mail/send.h"
#include "model/core/outbox.h"
#include "unit.h"
#include "base/banned.h"

#define BOUNDARY "=_oblako_test"
#define T_2026_03_01 1772323200     /* 2026-03-01T00:00:00Z, a Sunday */

static const struct ob_mail_msg base_msg = {
    .from = "Oblako <noreply@oblako.test>",
    .to = "anna@example.com",
    .subject = "Облако: новый пароль",
    .text = "Здравствуйте!\n\nСсылка: http://x/p?token=abc\n",
    .html = "<p>Здравствуйте!</p>\n<p><a href=\"http://x/p?token=abc\">Задать</a></p>\n",
    .message_id = "<0123abcd@oblako.test>",
    .date = T_2026_03_01 + 9 * 3600 + 5 * 60 + 7,
    .boundary = BOUNDARY,
};

static void
build(const char *name, const struct ob_mail_msg *m, struct ob_buf *b)
{
    ob_buf_init(b, 1 << 22);
    CHECK_INT(name, ob_mail_build(b, m), 0);
}

/* The unfolded value of header `h` (the first), in a static buffer. */
static const char *
header(const char *msg, const char *h)
{
    static char out[2048];
    const char *end = strstr(msg, "\r\n\r\n"), *p = msg;
    size_t n = 0, hl = strlen(h);

    while (p && p < end) {
        if (!strncmp(p, h, hl) && p[hl] == ':') {
            p += hl + 2;
            while (p < end && n + 1 < sizeof(out)) {
                if (p[0] == '\r' && p[1] == '\n' && p[2] != ' ' && p[2] != '\t')
                    break;
                if (p[0] == '\r' && p[1] == '\n')
                    p += 2;     /* unfold: CRLF SP -> SP */
                else
                    out[n++] = *p++;
            }
            out[n] = '\0';
            return out;
        }
        p = strstr(p, "\r\n");
        p = p ? p + 2 : NULL;
    }
    return NULL;
}

/* Decode "=?UTF-8?B?…?=" words separated by spaces into out. */
static void
decode_words(const char *name, const char *v, struct ob_buf *out)
{
    char b64[128];
    unsigned char bin[128];
    size_t bin_len;

    ob_buf_init(out, 4096);
    while (*v) {
        const char *end = strstr(v, "?=");

        if (strncmp(v, "=?UTF-8?B?", 10) || !end)
            fail_msg("%s: not an encoded word: %s", name, v);
        snprintf(b64, sizeof(b64), "%.*s", (int)(end - v - 10), v + 10);
        if (sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL, &bin_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0)
            fail_msg("%s: bad base64 %s", name, b64);
        ob_buf_add(out, bin, bin_len);
        v = end + 2;
        while (*v == ' ')
            v++;
    }
}

/* Canonical form: every LF preceded by CR. */
static void
crlf(const char *in, struct ob_buf *out)
{
    ob_buf_init(out, 1 << 20);
    for (const char *p = in; *p; p++) {
        if (*p == '\n' && (p == in || p[-1] != '\r'))
            ob_buf_addc(out, '\r');
        ob_buf_addc(out, *p);
    }
}

/* Check the part starting at p (just after "--BOUNDARY\r\n") and return
 * where it ends (at the next "\r\n--BOUNDARY"). */
static const char *
check_part(const char *name, const char *p, const char *type, const char *body)
{
    char want[128], *b64 = malloc(1 << 20);
    const char *end = strstr(p, "\r\n--" BOUNDARY), *data = strstr(p, "\r\n\r\n");
    unsigned char *bin = malloc(1 << 20);
    size_t n = 0, bin_len = 0;
    struct ob_buf canon;

    snprintf(want, sizeof(want),
             "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", type);
    CHECK_TRUE(name, !strncmp(p, want, strlen(want)));
    CHECK_TRUE(name, end && data && data < end);
    for (const char *line = data + 4; line < end;) {
        const char *eol = strstr(line, "\r\n");
        size_t len = (size_t)(eol - line);

        if (eol < end)      /* every line but the last is full */
            CHECK_INT(name, len, OB_MAIL_B64_LINE);
        CHECK_TRUE(name, len <= OB_MAIL_B64_LINE);
        memcpy(b64 + n, line, len);
        n += len;
        line = eol + 2;
    }
    b64[n] = '\0';
    CHECK_INT(name, sodium_base642bin(bin, 1 << 20, b64, n, NULL, &bin_len, NULL,
                                      sodium_base64_VARIANT_ORIGINAL), 0);
    crlf(body, &canon);
    CHECK_INT(name, bin_len, canon.len);
    CHECK_TRUE(name, !memcmp(bin, canon.p, bin_len));
    ob_buf_free(&canon);
    free(b64);
    free(bin);
    return end;
}

static void
test_mail_message(void **state)
{
    const char *name = "password reset";
    struct ob_buf b, subj;
    const char *p;

    (void)state;
    build(name, &base_msg, &b);
    CHECK_STR(name, header(b.p, "From"), "Oblako <noreply@oblako.test>");
    CHECK_STR(name, header(b.p, "To"), "anna@example.com");
    CHECK_STR(name, header(b.p, "Date"), "Sun, 01 Mar 2026 09:05:07 +0000");
    CHECK_STR(name, header(b.p, "Message-ID"), "<0123abcd@oblako.test>");
    CHECK_STR(name, header(b.p, "MIME-Version"), "1.0");
    CHECK_STR(name, header(b.p, "Content-Type"),
              "multipart/alternative; boundary=\"" BOUNDARY "\"");
    decode_words(name, header(b.p, "Subject"), &subj);
    CHECK_STR(name, subj.p, base_msg.subject);
    /* Lines: CRLF only, none over 76 (RFC 2047 §2 for encoded words). */
    for (const char *line = b.p; *line;) {
        const char *eol = strstr(line, "\r\n");

        CHECK_TRUE(name, eol != NULL);
        CHECK_TRUE(name, memchr(line, '\n', (size_t)(eol - line)) == NULL);
        CHECK_TRUE(name, eol - line <= 76);
        line = eol + 2;
    }
    /* Body: two parts between the boundaries, then the closing one. */
    p = strstr(b.p, "\r\n\r\n--" BOUNDARY "\r\n");
    CHECK_TRUE(name, p != NULL);
    p = check_part(name, p + 4 + strlen("--" BOUNDARY "\r\n"), "text/plain", base_msg.text);
    CHECK_TRUE(name, !strncmp(p, "\r\n--" BOUNDARY "\r\n", strlen(BOUNDARY) + 6));
    p = check_part(name, p + strlen(BOUNDARY) + 6, "text/html", base_msg.html);
    CHECK_STR(name, p, "\r\n--" BOUNDARY "--\r\n");
    ob_buf_free(&subj);
    ob_buf_free(&b);
}

static void
test_mail_long_body_lines(void **state)
{
    struct ob_mail_msg m = base_msg;
    char *text = malloc(100001);
    struct ob_buf b;
    const char *p;

    (void)state;
    for (int i = 0; i < 100000; i++)
        text[i] = i % 81 == 80 ? '\n' : (char)('a' + i % 26);
    text[100000] = '\0';
    m.text = text;
    m.html = "";
    build("100 kB of text", &m, &b);
    p = strstr(b.p, "\r\n\r\n--" BOUNDARY "\r\n");
    p = check_part("100 kB of text", p + 4 + strlen("--" BOUNDARY "\r\n"), "text/plain", text);
    p = check_part("empty html", p + strlen(BOUNDARY) + 6, "text/html", "");
    ob_buf_free(&b);
    free(text);
}

static void
test_mail_random_boundary(void **state)
{
    struct ob_mail_msg m = base_msg;
    struct ob_buf a, b;
    const char *ca, *cb;

    (void)state;
    m.boundary = NULL;
    build("random a", &m, &a);
    build("random b", &m, &b);
    ca = strstr(a.p, "boundary=\"=_oblako_");
    cb = strstr(b.p, "boundary=\"=_oblako_");
    CHECK_TRUE("random boundary", ca && cb && strncmp(ca, cb, 50) != 0);
    ob_buf_free(&a);
    ob_buf_free(&b);
}

static const struct from_case {
    const char *name, *from, *want;    /* want NULL: refused */
} from_cases[] = {
    { "name and address", "Oblako <noreply@x.test>", "Oblako <noreply@x.test>" },
    { "bare address", "noreply@x.test", "<noreply@x.test>" },
    { "quoted name kept quoted", "\"Acme, Inc.\" <a@x.test>", "\"Acme, Inc.\" <a@x.test>" },
    { "specials get quoted", "Acme, Inc. <a@x.test>", "\"Acme, Inc.\" <a@x.test>" },
    { "quote escaped", "Say \"hi\" <a@x.test>", "\"Say \\\"hi\\\"\" <a@x.test>" },
    { "Cyrillic name encoded", "Облако <a@x.test>", "=?UTF-8?B?0J7QsdC70LDQutC+?= <a@x.test>" },
    { "no address", "Oblako", NULL },
    { "empty brackets", "Oblako <>", NULL },
    { "CRLF in address", "a@x.test\r\nBcc: v@x.test", NULL },
};

static void
test_mail_from(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(from_cases); i++) {
        const struct from_case *c = &from_cases[i];
        struct ob_mail_msg m = base_msg;
        struct ob_buf b;

        m.from = c->from;
        ob_buf_init(&b, 1 << 20);
        CHECK_INT(c->name, ob_mail_build(&b, &m), c->want ? 0 : OB_EINVAL);
        if (c->want)
            CHECK_STR(c->name, header(b.p, "From"), c->want);
        ob_buf_free(&b);
    }
}

static const struct refuse_case {
    const char *name, *to, *subject, *text, *message_id;
} refuse_cases[] = {
    { "header injection in To", "a@x.test\r\nBcc: v@x.test", NULL, NULL, NULL },
    { "To without @", "nobody", NULL, NULL, NULL },
    { "To with a space", "a b@x.test", NULL, NULL, NULL },
    { "subject not UTF-8", NULL, "bad \xFF", NULL, NULL },
    { "text not UTF-8", NULL, NULL, "bad \xC0\xAF", NULL },
    { "CRLF in Message-ID", NULL, NULL, NULL, "<a@b>\r\nX: y" },
};

static void
test_mail_refuses(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(refuse_cases); i++) {
        const struct refuse_case *c = &refuse_cases[i];
        struct ob_mail_msg m = base_msg;
        struct ob_buf b;

        if (c->to)
            m.to = c->to;
        if (c->subject)
            m.subject = c->subject;
        if (c->text)
            m.text = c->text;
        if (c->message_id)
            m.message_id = c->message_id;
        ob_buf_init(&b, 1 << 20);
        CHECK_INT(c->name, ob_mail_build(&b, &m), OB_EINVAL);
        ob_buf_free(&b);
    }
}

static const struct addr_case {
    const char *name, *in, *want;
} addr_cases[] = {
    { "display name", "Oblako <noreply@x.test>", "noreply@x.test" },
    { "bare", "noreply@x.test", "noreply@x.test" },
    { "Cyrillic name", "Облако — сервис <n@x.test>", "n@x.test" },
    { "nothing", "", NULL },
    { "no @", "Oblako <noreply>", NULL },
};

static void
test_mail_address(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(addr_cases); i++) {
        const struct addr_case *c = &addr_cases[i];
        char out[64] = "";

        CHECK_INT(c->name, ob_mail_address(c->in, out, sizeof(out)), c->want ? 0 : OB_EINVAL);
        if (c->want)
            CHECK_STR(c->name, out, c->want);
    }
}

/* Words placed after "Subject: " or deeper: no line over 76, round trip. */
static void
test_mail_words_after_a_name(void **state)
{
    static const char *const subjects[] = {
        "Облако: новый пароль",
        "Облако: заявка «ООО Ромашка и партнёры, Санкт-Петербург» одобрена — добро пожаловать",
        "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
    };
    char name[96];

    (void)state;
    for (size_t s = 0; s < NELEM(subjects); s++) {
        for (size_t col = 0; col <= 80; col++) {
            struct ob_buf b, dec;
            const char *line;

            snprintf(name, sizeof(name), "subject %zu at column %zu", s, col);
            ob_buf_init(&b, 1 << 16);
            for (size_t k = 0; k < col; k++)
                ob_buf_addc(&b, 'X');
            CHECK_INT(name, ob_mime_header_encode_at(&b, subjects[s], col), 0);
            for (line = b.p; line;) {
                const char *eol = strstr(line, "\r\n");
                size_t len = eol ? (size_t)(eol - line) : strlen(line);

                if (line != b.p || col <= 76 - 14)  /* a word fits after the name */
                    CHECK_TRUE(name, len <= 76);
                line = eol ? eol + 2 : NULL;
            }
            line = b.p + col;
            while (*line == '\r' || *line == '\n' || *line == ' ')
                line++;
            {
                /* unfold into one space-separated list of words */
                char words[4096];
                size_t n = 0;

                for (const char *p = line; *p && n + 1 < sizeof(words); p++)
                    if (*p != '\r' && *p != '\n')
                        words[n++] = *p;
                words[n] = '\0';
                decode_words(name, words, &dec);
            }
            CHECK_STR(name, dec.p, subjects[s]);
            ob_buf_free(&dec);
            ob_buf_free(&b);
        }
    }
}

/* Every template of this release, in both languages, renders with exactly
 * the variables its callers pass (a template naming any other is a bug). */
static const struct tmpl_case {
    const char *tmpl, *vars;
} tmpl_cases[] = {
    { "password_reset", "{\"name\":\"Анна\",\"email\":\"a@x\",\"link\":\"http://x/l?t=1\","
                        "\"hours\":24,\"account\":\"\"}" },
    { "partner_approved", "{\"name\":\"Анна\",\"account\":\"ООО <Ромашка>\","
                          "\"link\":\"http://x/l?t=1&a=2\",\"hours\":24}" },
    { "partner_rejected", "{\"name\":\"Анна\",\"account\":\"Ромашка\",\"reason\":\"нет ИНН\"}" },
    { "regpage_welcome", "{\"name\":\"Анна\",\"account\":\"ООО <Ромашка>\","
                         "\"link\":\"http://x/l?t=1&a=2\",\"hours\":24}" },
    { "regpage_confirm", "{\"name\":\"Анна\",\"account\":\"ООО <Ромашка>\","
                         "\"link\":\"http://x/l?t=1&a=2\",\"hours\":24}" },
    { "regpage_registered", "{\"name\":\"Ольга\",\"client\":\"ООО <Ромашка>\","
                            "\"email\":\"a@b.test\",\"phone\":\"+7 900 1234567\","
                            "\"page\":\"Сайт\",\"code\":1001,\"subscriber\":5,"
                            "\"partner_name\":\"Альфа Софт\"}" },
    { "member_invited", "{\"inviter\":\"Анна\",\"account\":\"ООО <Ромашка>\",\"kind\":\"абонент\","
                        "\"roles\":\"пользователь\",\"link\":\"http://x/l?t=1\","
                        "\"until\":\"05.03.2027 14:05 (Europe/Moscow)\",\"email\":\"a@x\"}" },
    /* issue 14: the code to a client, a sign-up's owner invitation (two kinds), the partner told */
    { "invitation_code", "{\"code\":\"K7QF-2MXD-9TAB-W4HP\",\"inviter\":\"ООО <Альфа>\","
                         "\"link\":\"http://x/l?t=1\",\"partner_phone\":\"+7 495 1\","
                         "\"partner_email\":\"p@x\",\"until\":\"30.03.2027\"}" },
    { "signup_confirm", "{\"inviter\":\"Облако\",\"account\":\"ООО <Ромашка>\",\"kind\":\"абонент\","
                        "\"roles\":\"владелец\",\"link\":\"http://x/l?t=1\","
                        "\"until\":\"05.03.2027 14:05 (Europe/Moscow)\",\"email\":\"a@x\"}" },
    { "signup_sign_in", "{\"inviter\":\"Облако\",\"account\":\"ООО <Ромашка>\",\"kind\":\"абонент\","
                        "\"roles\":\"владелец\",\"link\":\"http://x/l?t=1\","
                        "\"until\":\"05.03.2027 14:05 (Europe/Moscow)\",\"email\":\"a@x\"}" },
    { "signup_partner", "{\"name\":\"Анна\",\"client\":\"ООО <Ромашка>\",\"client_code\":1001,"
                        "\"client_email\":\"a@x\",\"client_phone\":\"+7 900\","
                        "\"invitation\":\"K7QF-2MXD-9TAB-W4HP\",\"partner\":\"Альфа\"}" },
    /* issue 14, R-ONB-7: a lead offered to a partner, its offer lapsed, the client told who
     * serves it now (each language's template names its own form of a date: both are passed) */
    { "lead_offered", "{\"name\":\"Анна\",\"client\":\"ООО <Ромашка>\",\"region\":\"Тверь\","
                      "\"partner\":\"Альфа\",\"link\":\"http://x/l?t=1\","
                      "\"trial_through_ru\":\"04.01.2027\",\"trial_through_en\":\"04.01.2027\","
                      "\"due_ru\":\"09.12.2026 21:14\",\"due_en\":\"09.12.2026 21:14\"}" },
    { "lead_lapsed", "{\"name\":\"Анна\",\"client\":\"ООО <Ромашка>\",\"region\":\"Тверь\","
                     "\"partner\":\"Альфа\",\"link\":\"http://x/l?t=1\","
                     "\"due_ru\":\"09.12.2026 21:14\",\"due_en\":\"09.12.2026 21:14\"}" },
    { "lead_accepted", "{\"name\":\"Анна\",\"client\":\"ООО <Ромашка>\",\"partner\":\"Альфа\","
                       "\"partner_phone\":\"+7 495 1\",\"partner_email\":\"p@x\","
                       "\"link\":\"http://x/l?t=1\",\"trial_through_ru\":\"04.01.2027\","
                       "\"trial_through_en\":\"04.01.2027\"}" },
    { "request_decided", "{\"name\":\"Анна\",\"account\":\"Ромашка\",\"request\":\"статус ЦСК\","
                         "\"decision\":\"одобрен\",\"note\":\"\"}" },
    { "partner_digest", "{\"name\":\"Анна\",\"partner\":\"ООО <Ромашка>\","
                        "\"monday\":\"08.03.2027\",\"ending_count\":1,\"ended_count\":0,"
                        "\"ending\":[{\"client\":\"ООО Клиент\",\"code\":1001,"
                        "\"tariff\":\"ПРОФ\",\"through\":\"11.03.2027\",\"days\":3,"
                        "\"link\":\"https://x/subscribers/5\"}],\"ended\":[]}" },
};

static void
test_mail_templates(void **state)
{
    static const char *const langs[] = { "ru", "en" };
    struct ob_config cfg;
    struct ob_ctx ctx;
    char name[96];

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.public_url, sizeof(cfg.public_url), "https://oblako.test");
    for (size_t i = 0; i < NELEM(tmpl_cases); i++) {
        for (size_t l = 0; l < NELEM(langs); l++) {
            const struct tmpl_case *c = &tmpl_cases[i];
            json_t *vars = json_loads(c->vars, 0, NULL);
            const char *subject = NULL, *text = NULL, *html = NULL;
            const char *k;
            json_t *v;

            snprintf(name, sizeof(name), "%s (%s)", c->tmpl, langs[l]);
            ob_ctx_init(&ctx, NULL, &cfg);
            CHECK_TRUE(name, vars != NULL);
            CHECK_INT(name, ob_outbox_render(&ctx, langs[l], c->tmpl, vars, &subject, &text,
                                             &html), 0);
            CHECK_TRUE(name, *subject && !strchr(subject, '\n') && strlen(subject) < 200);
            CHECK_TRUE(name, ob_utf8_valid(text) && ob_utf8_valid(html));
            CHECK_TRUE(name, !strstr(text, "{{") && !strstr(html, "{{"));
            CHECK_TRUE(name, !strncmp(html, "<!doctype html>", 15));
            if (json_object_get(vars, "link")) {
                CHECK_TRUE(name, strstr(text, "http://x/l?t=1") != NULL);
                CHECK_TRUE(name, strstr(html, "href=\"http://x/l?t=1") != NULL);
            }
            CHECK_TRUE(name, !strstr(html, "<Ромашка>"));   /* escaped in HTML */
            /* Every variable is used somewhere (else it is not the agreed list). */
            json_object_foreach(vars, k, v) {
                if (json_is_string(v) && json_string_length(v) > 0 && strcmp(k, "email"))
                    if (!strstr(text, json_string_value(v)) && !strstr(subject, json_string_value(v)))
                        fail_msg("%s: '%s' is not in the text", name, k);
            }
            /* One variable fewer: the render fails. */
            json_object_del(vars, json_object_get(vars, "name") ? "name" : "inviter");
            CHECK_INT(name, ob_outbox_render(&ctx, langs[l], c->tmpl, vars, &subject, &text,
                                             &html), OB_EINTERNAL);
            json_decref(vars);
            ob_ctx_release(&ctx);
        }
    }
}

/* The digest's lists (R-NOT-2): a section repeats per row with the row's
 * names, HTML-escaped in the HTML part; an empty list says so. */
static void
test_mail_sections(void **state)
{
    struct ob_config cfg;
    struct ob_ctx ctx;
    const char *subject = NULL, *text = NULL, *html = NULL;
    json_t *vars = json_loads(
        "{\"name\":\"Анна\",\"partner\":\"P\",\"monday\":\"8 Mar 2027\",\"ending_count\":2,"
        "\"ended_count\":0,\"ending\":[{\"client\":\"A <&> B\",\"code\":1001,\"tariff\":\"PROF\","
        "\"through\":\"11 Mar 2027\",\"days\":3,\"link\":\"https://x/subscribers/5\"},"
        "{\"client\":\"C\",\"code\":1002,\"tariff\":\"Trial\",\"through\":\"22 Mar 2027\","
        "\"days\":14,\"link\":\"https://x/subscribers/6\"}],\"ended\":[]}",
        0, NULL);

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.public_url, sizeof(cfg.public_url), "https://oblako.test");
    ob_ctx_init(&ctx, NULL, &cfg);
    assert_non_null(vars);
    assert_int_equal(ob_outbox_render(&ctx, "en", "partner_digest", vars, &subject, &text, &html),
                     0);
    CHECK_TRUE("row 1 in the text", strstr(text, "- A <&> B (code 1001), PROF: access through "
                                                 "11 Mar 2027, days left: 3") != NULL);
    CHECK_TRUE("row 2 in the text", strstr(text, "- C (code 1002), Trial: access through "
                                                 "22 Mar 2027, days left: 14") != NULL);
    CHECK_TRUE("rows in order", strstr(text, "1001") < strstr(text, "1002"));
    CHECK_TRUE("the empty list says none", strstr(text, "(0):\n- none") != NULL);
    CHECK_TRUE("a full list does not", !strstr(text, "(2):\n- none"));
    CHECK_TRUE("escaped in HTML", strstr(html, ">A &lt;&amp;&gt; B</a>") != NULL);
    CHECK_TRUE("a link per row", strstr(html, "href=\"https://x/subscribers/6\"") != NULL);
    CHECK_TRUE("HTML: none", strstr(html, "<td colspan=\"5\">None</td>") != NULL);
    CHECK_TRUE("no tags left", !strstr(text, "{{") && !strstr(html, "{{"));
    ob_ctx_release(&ctx);
    json_decref(vars);
}

/* A reminder's words are the template's (R-NOT-1): the sections {{#soon}},
 * {{#today}}, {{#ended}}, {{#late}}, {{#deferral}} and {{#named}} pick them
 * from booleans, and a false one leaves nothing behind. */
static void
test_mail_reminder_words(void **state)
{
    static const struct {
        const char *lang, *when;
        bool late, deferral, named;
        const char *want[3], *absent[2];
    } cases[] = {
        { "ru", "soon", false, false, true,
          { "Здравствуйте, Анна!", "скоро закончится: он есть по 31 марта 2027 включительно.",
            "Продлите подписку до этого дня" },
          { "с опозданием", "отложенное продление" } },
        { "ru", "today", true, true, false,
          { "Здравствуйте, коллега!", "с 00:00 1 апреля 2027 приложения не откроются",
            "(письмо отправлено с опозданием)" },
          { "скоро закончится", "{{" } },
        { "ru", "ended", false, true, true,
          { "закончился: он был по 31 марта 2027 включительно", "ничего не удалено",
            "ещё 7 дней доступа сразу" },
          { "заканчивается сегодня", "с опозданием" } },
        { "en", "soon", true, false, false,
          { "Hello, colleague!", "ends soon: through 31 Mar 2027. (sent late)",
            "Renew before then" },
          { "deferred renewal", "ends today" } },
        { "en", "ended", false, true, true,
          { "has ended: it was through 31 Mar 2027.", "at 00:00 on 1 Apr 2027",
            "take a deferred renewal once" },
          { "(sent late)", "ends soon" } },
    };
    struct ob_config cfg;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.public_url, sizeof(cfg.public_url), "https://oblako.test");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool ru = !strcmp(cases[i].lang, "ru");
        const char *subject = NULL, *text = NULL, *html = NULL;
        struct ob_ctx ctx;
        json_t *vars = json_pack(
            "{s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b}", "name",
            cases[i].named ? "Анна" : "", "named", cases[i].named, "account", "Ромашка",
            "tariff", "ПРОФ", "through", ru ? "31 марта 2027" : "31 Mar 2027", "next_day",
            ru ? "1 апреля 2027" : "1 Apr 2027", "partner", "Партнёр", "partner_phone",
            "+7 900 000-00-00", "partner_email", "p@x.test", "soon",
            !strcmp(cases[i].when, "soon"), "today", !strcmp(cases[i].when, "today"), "ended",
            !strcmp(cases[i].when, "ended"), "late", cases[i].late, "deferral",
            cases[i].deferral);
        char name[64];

        snprintf(name, sizeof(name), "case %zu (%s, %s)", i, cases[i].lang, cases[i].when);
        ob_ctx_init(&ctx, NULL, &cfg);
        CHECK_INT(name, ob_outbox_render(&ctx, cases[i].lang, "access_reminder", vars, &subject,
                                         &text, &html), 0);
        for (int k = 0; k < 3; k++)
            if (!strstr(text, cases[i].want[k]))
                fail_msg("%s: '%s' is not in the text:\n%s", name, cases[i].want[k], text);
        for (int k = 0; k < 2; k++)
            if (strstr(text, cases[i].absent[k]) || strstr(html, cases[i].absent[k]))
                fail_msg("%s: '%s' should not be there", name, cases[i].absent[k]);
        CHECK_TRUE(name, (strstr(subject, ru ? "с опозданием" : "(sent late)") != NULL) ==
                             cases[i].late);
        CHECK_TRUE(name, !strstr(text, "{{") && !strstr(html, "{{") && !strstr(subject, "{{"));
        /* no trial of a main tariff: nothing offered */
        CHECK_TRUE(name, !strstr(text, "После пробного") && !strstr(text, "After the trial"));
        if (i == 0) {   /* the same with a registration page's trial (R-ONB-5) */
            json_object_set_new(vars, "offer", json_true());
            json_object_set_new(vars, "offer_tariff", json_string("1С:ИТС ПРОФ в облаке"));
            json_object_set_new(vars, "offer_priced", json_true());
            json_object_set_new(vars, "offer_price", json_string("2 472 ₽"));
            CHECK_INT(name, ob_outbox_render(&ctx, "ru", "access_reminder", vars, &subject,
                                             &text, &html), 0);
            CHECK_TRUE(name, strstr(text, "работа продолжится на тарифе «1С:ИТС ПРОФ в облаке» — "
                                          "2 472 ₽ в месяц: оформите его у партнёра.") != NULL);
            CHECK_TRUE(name, strstr(html, "«1С:ИТС ПРОФ в облаке» — 2 472 ₽ в месяц") != NULL);
            json_object_set_new(vars, "offer_priced", json_false());
            CHECK_INT(name, ob_outbox_render(&ctx, "ru", "access_reminder", vars, &subject,
                                             &text, &html), 0);
            CHECK_TRUE(name, strstr(text, "на тарифе «1С:ИТС ПРОФ в облаке»: оформите") != NULL);
        }
        ob_ctx_release(&ctx);
        json_decref(vars);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mail_reminder_words),
        cmocka_unit_test(test_mail_sections),
        cmocka_unit_test(test_mail_message),
        cmocka_unit_test(test_mail_long_body_lines),
        cmocka_unit_test(test_mail_random_boundary),
        cmocka_unit_test(test_mail_from),
        cmocka_unit_test(test_mail_refuses),
        cmocka_unit_test(test_mail_address),
        cmocka_unit_test(test_mail_words_after_a_name),
        cmocka_unit_test(test_mail_templates),
    };

    if (ob_rand_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
