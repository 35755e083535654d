/*
 * model/identity/ — who someone is and what they may do.
 *
 * Persons and their password hashes (person.c), sign-in, sessions, resets and
 * the second factor (authn.c), API tokens (token.c), accounts (account.c),
 * memberships of a person in an account with roles (member.c, role.c), and
 * access (access.c): the one place that turns an actor into what it may see
 * (ob_access_scope) and do. It sits under every business folder: a partner, a
 * subscriber or an area is reached only through an actor checked here.
 * Membership changes tell the layers above through handlers registered at
 * start-up (areas/membership.c ends an employee's grants), never by calling
 * up.
 *
 * This file is the folder's main one: a person is what everything here is
 * about.
 */
/*
 * person.c — persons, emails and password hashing.
 */
#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/asset.h"
#include "base/config.h"
#include "base/metrics.h"
#include "base/ctx.h"
#include "base/utf8.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/core/audit.h"
#include "model/identity/authn.h"
#include "model/identity/mailpref.h"
#include "model/identity/person.h"
#include "model/identity/principal.h"
#include "base/banned.h"

static pthread_mutex_t hash_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hash_cond = PTHREAD_COND_INITIALIZER;
static int hash_running, hash_cap = 2;

void
ob_password_limit(int concurrency)
{
    /* under the lock: worker threads read it in slot_take */
    pthread_mutex_lock(&hash_lock);
    hash_cap = concurrency > 0 ? concurrency : 1;
    pthread_mutex_unlock(&hash_lock);
}

/* Wait (up to 10 s) for a hashing slot. */
static int
slot_take(struct ob_ctx *ctx)
{
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&hash_lock);
    while (hash_running >= hash_cap && rc == 0)
        rc = pthread_cond_timedwait(&hash_cond, &hash_lock, &until);
    if (rc == 0)
        hash_running++;
    pthread_mutex_unlock(&hash_lock);
    if (rc != 0)
        return ob_err_set(&ctx->err, OB_EUNAVAIL, "person.sign_ins_busy");
    return 0;
}

static void
slot_give(void)
{
    pthread_mutex_lock(&hash_lock);
    hash_running--;
    pthread_cond_signal(&hash_cond);
    pthread_mutex_unlock(&hash_lock);
}

int
ob_email_normalize(struct ob_ctx *ctx, const char *in, char *out, size_t size, const char *field)
{
    const char *s = in ? in : "", *e, *at, *dot;
    size_t n;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    n = (size_t)(e - s);
    if (n == 0)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "person.email_required");
    if (n > OB_EMAIL_MAX || n >= size)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "person.email_too_long");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= ' ' || c == 0x7f || c == ',' || c == ';' || c == '<' || c == '>' || c == '"')
            return ob_err_field(&ctx->err, OB_EINVAL, field, "person.email_bad_char");
        out[i] = (char)tolower(c);
    }
    out[n] = '\0';
    at = strchr(out, '@');
    dot = at ? strrchr(at, '.') : NULL;
    if (!at || at == out || strchr(at + 1, '@') || !dot || dot == at + 1 || !dot[1] ||
        !ob_utf8_valid(out))
        return ob_err_field(&ctx->err, OB_EINVAL, field, "person.email_format", "out=%s", out);
    return 0;
}

/* The code point of the valid UTF-8 sequence of n bytes at s, folded to
 * lower case in the alphabets of the service's people (Latin and Cyrillic),
 * so that "Пароль" and "пароль" compare equal. */
static uint32_t
folded(const unsigned char *s, size_t n)
{
    uint32_t c = n == 1   ? s[0]
                 : n == 2 ? (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f)
                 : n == 3 ? (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
                                (s[2] & 0x3f)
                          : (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
                                (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);

    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0x410 && c <= 0x42f)   /* А–Я */
        return c + 0x20;
    return c == 0x401 ? 0x451 : c;  /* Ё */
}

/* Do the n bytes at a and the NUL-terminated valid UTF-8 b hold the same
 * characters, case folded? */
static bool
same_folded(const unsigned char *a, size_t n, const unsigned char *b)
{
    const unsigned char *end = a + n;

    while (a < end && *b) {
        size_t la = ob_utf8_len(a), lb = ob_utf8_len(b);

        if (!la || !lb || a + la > end || folded(a, la) != folded(b, lb))
            return false;
        a += la;
        b += lb;
    }
    return a == end && !*b;
}

/* Is pw in the list of the most common passwords shipped as data
 * (data/common-passwords.txt: one a line, '#' comments)? */
static bool
common(const char *pw)
{
    const struct ob_asset *list = ob_asset_find(ob_data_assets, ob_ndata_assets,
                                                "/common-passwords.txt");
    const unsigned char *p, *end, *eol;

    if (!list)
        return false;
    for (p = list->data, end = p + list->len; p < end; p = eol + 1) {
        eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        if (eol > p && *p != '#' && same_folded(p, (size_t)(eol - p), (const unsigned char *)pw))
            return true;
    }
    return false;
}

/* Characters (code points) in pw, and how many different ones up to `upto`
 * (case folded). */
static void
characters(const char *pw, size_t *count, int *distinct, int upto)
{
    uint32_t seen[16];
    const unsigned char *s = (const unsigned char *)pw;
    size_t n;

    *count = 0;
    *distinct = 0;
    for (; *s && (n = ob_utf8_len(s)) > 0; s += n) {
        uint32_t c = folded(s, n);
        int i;

        (*count)++;
        for (i = 0; i < *distinct && seen[i] != c; i++)
            ;
        if (i == *distinct && *distinct < upto && *distinct < 16)
            seen[(*distinct)++] = c;
    }
}

int
ob_password_check(struct ob_ctx *ctx, const char *pw, const char *email, const char *field)
{
    size_t bytes = pw ? strlen(pw) : 0, n = 0;
    int distinct = 0;

    if (bytes > OB_PASSWORD_MAX * 4)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "person.password_too_long",
                            "password_max=%d", OB_PASSWORD_MAX);
    if (pw && !ob_utf8_valid(pw))
        return ob_err_field(&ctx->err, OB_EINVAL, field, "person.password_not_utf8");
    if (pw)
        characters(pw, &n, &distinct, OB_PASSWORD_DISTINCT);
    if (n < OB_PASSWORD_MIN)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "person.password_too_short",
                            "password_min=%d", OB_PASSWORD_MIN);
    if (n > OB_PASSWORD_MAX)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "person.password_too_long",
                            "password_max=%d", OB_PASSWORD_MAX);
    if (email && !strcasecmp(pw, email))
        return ob_err_field(&ctx->err, OB_EINVAL, field, "person.password_is_email");
    if (distinct < OB_PASSWORD_DISTINCT)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "person.password_few_distinct",
                            "password_distinct=%d", OB_PASSWORD_DISTINCT);
    if (common(pw))
        return ob_err_field(&ctx->err, OB_EINVAL, field, "person.password_common");
    return 0;
}

int
ob_password_hash(struct ob_ctx *ctx, const char *pw, char *out, size_t size)
{
    bool cheap = ctx->cfg && ctx->cfg->test_clock;
    int rc;

    if (size < crypto_pwhash_STRBYTES)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "person.hash_buffer");
    if ((rc = slot_take(ctx)) != 0)
        return rc;
    ob_metrics_password_hash();
    rc = crypto_pwhash_str(out, pw, strlen(pw),
                           cheap ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           cheap ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE);
    slot_give();
    return rc == 0 ? 0 : ob_err_set(&ctx->err, OB_EUNAVAIL, "person.hash_memory");
}

int
ob_password_verify(struct ob_ctx *ctx, const char *hash, const char *pw, bool *ok)
{
    int rc;

    *ok = false;
    if ((rc = slot_take(ctx)) != 0)
        return rc;
    ob_metrics_password_hash();
    *ok = hash && pw && crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
    slot_give();
    return 0;
}

static void
read_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_person *out = arg;

    out->id = ob_stmt_int(st, 0);
    out->email = ob_stmt_dup(ctx, st, 1);
    out->name = ob_stmt_dup(ctx, st, 2);
    out->lang = ob_stmt_dup(ctx, st, 3);
    out->has_password = !ob_stmt_null(st, 4);
    out->totp_enabled = ob_stmt_int(st, 5) != 0;
    out->disabled = ob_stmt_int(st, 6) != 0;
}

static int
read_person(struct ob_ctx *ctx, const char *sql, const char *fmt, int64_t id, const char *email,
            struct ob_person *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = *fmt == 'i' ? ob_db_one(ctx, read_row, out, sql, "i", id)
                     : ob_db_one(ctx, read_row, out, sql, "t", email);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "person.not_found");
    return rc;
}

#define PERSON_COLUMNS "SELECT id, email, name, lang, password_hash, totp_enabled, disabled FROM persons "

static int
password_hash_of(struct ob_ctx *ctx, int64_t id, char **out)
{
    char hash[crypto_pwhash_STRBYTES] = "";
    int rc = ob_db_get_text(ctx->db, hash, sizeof(hash),
                            "SELECT COALESCE(password_hash, '') FROM persons WHERE id = ?", "i", id);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    *out = hash[0] ? ob_arena_strdup(&ctx->arena, hash) : NULL;
    return 0;
}

struct actor_row {
    struct ob_person *p;
    const char *mail_off;
};

static void
read_actor_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct actor_row *r = arg;

    read_row(ctx, st, r->p);
    r->mail_off = ob_stmt_dup(ctx, st, 7);
}

/* The person who makes this request, from the principal cache at the
 * generation the request checked, or read and put there. */
static int
actor_person(struct ob_ctx *ctx, struct ob_person *out)
{
    struct ob_principal_person c;
    struct actor_row r = { out, NULL };
    int rc;

    memset(out, 0, sizeof(*out));
    if (ob_principal_person_get(ctx->actor.person, ctx->actor.gen, &c)) {
        out->id = ctx->actor.person;
        out->email = ob_arena_strdup(&ctx->arena, c.email);
        out->name = ob_arena_strdup(&ctx->arena, c.name);
        out->lang = ob_arena_strdup(&ctx->arena, c.lang);
        out->has_password = c.has_password;
        out->totp_enabled = c.totp_enabled;
        return 0;
    }
    rc = ob_db_one(ctx, read_actor_row, &r,
                   "SELECT id, email, name, lang, password_hash, totp_enabled, disabled, mail_off "
                   "FROM persons WHERE id = ?",
                   "i", ctx->actor.person);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "person.not_found");
    if (rc != 0)
        return rc;
    if (!out->disabled && strlen(out->email) < sizeof(c.email) &&
        strlen(out->name) < sizeof(c.name) && strlen(out->lang) < sizeof(c.lang) &&
        strlen(r.mail_off) < sizeof(c.mail_off)) {
        memset(&c, 0, sizeof(c));
        memcpy(c.email, out->email, strlen(out->email) + 1);
        memcpy(c.name, out->name, strlen(out->name) + 1);
        memcpy(c.lang, out->lang, strlen(out->lang) + 1);
        memcpy(c.mail_off, r.mail_off, strlen(r.mail_off) + 1);
        c.has_password = out->has_password;
        c.totp_enabled = out->totp_enabled;
        ob_principal_person_put(ctx->actor.person, ctx->actor.gen, &c);
    }
    return 0;
}

int
ob_person_get(struct ob_ctx *ctx, int64_t id, struct ob_person *out)
{
    if (id && id == ctx->actor.person && ctx->actor.gen_known)
        return actor_person(ctx, out);
    return read_person(ctx, PERSON_COLUMNS "WHERE id = ?", "i", id, NULL, out);
}

int
ob_person_find(struct ob_ctx *ctx, const char *email, struct ob_person *out)
{
    return read_person(ctx, PERSON_COLUMNS "WHERE email = ?", "t", 0, email, out);
}

int
ob_person_ensure(struct ob_ctx *ctx, const char *email, const char *name, const char *lang,
                 int64_t *id, bool *created)
{
    int64_t now = ob_clock_now(ctx);
    int rc = ob_db_get_int(ctx->db, id, "SELECT id FROM persons WHERE email = ?", "t", email);

    if (created)
        *created = false;
    if (rc == OB_DB_ROW)
        return 0;
    if (rc < 0)
        return ob_db_err(ctx, rc);
    rc = ob_db_get_int(ctx->db, id,
                       "INSERT INTO persons (email, name, lang, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?) RETURNING id",
                       "tttii", email, name ? name : "", lang && !strcmp(lang, "en") ? "en" : "ru",
                       now, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (created)
        *created = true;
    return 0;
}

int
ob_person_set_password(struct ob_ctx *ctx, int64_t id, const char *password)
{
    char hash[crypto_pwhash_STRBYTES];
    int64_t n;
    int rc;

    if ((rc = ob_password_hash(ctx, password, hash, sizeof(hash))) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "UPDATE persons SET password_hash = ?, updated_at = ?, auth_gen = auth_gen + 1 "
                  "WHERE id = ?",
                  "tii", hash, ob_clock_now(ctx), id);
    sodium_memzero(hash, sizeof(hash));
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

struct change_args {
    const struct ob_person_change *ch;
    const char *pwhash, *mail_off;
    const struct ob_person *before;
};

static int
change(struct ob_ctx *ctx, void *arg)
{
    struct change_args *a = arg;
    const struct ob_person_change *ch = a->ch;
    int64_t now = ob_clock_now(ctx), n;
    int sessions = 0, tokens = 0, rc;
    const char *ended = "";

    n = ob_db_run(ctx->db,
                  "UPDATE persons SET name = COALESCE(?, name), lang = COALESCE(?, lang), "
                  "password_hash = COALESCE(?, password_hash), "
                  "mail_off = COALESCE(?, mail_off), updated_at = ?, auth_gen = auth_gen + 1 "
                  "WHERE id = ?",
                  "ttttii", ch->name, ch->lang, a->pwhash, a->mail_off, now, ctx->actor.person);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (a->pwhash) {
        if ((rc = ob_auth_end_other_access(ctx, ctx->actor.person, ch->session, ch->keep_tokens,
                                           &sessions, &tokens)) != 0)
            return rc;
        ended = ob_arena_printf(&ctx->arena, "password changed; %d other sessions ended; "
                                             "API tokens %s",
                                sessions, ch->keep_tokens ? "kept"
                                          : ob_arena_printf(&ctx->arena, "revoked (%d)", tokens));
    }
    return ob_audit(ctx, 0, "person.updated", "person", ctx->actor.person, "%s%s%s%s%s%s%s%s%s%s",
                    ch->name ? "name '" : "", ch->name ? a->before->name : "",
                    ch->name ? "' → changed; " : "", ch->lang ? "language " : "",
                    ch->lang ? a->before->lang : "", ch->lang ? " → changed; " : "",
                    a->mail_off ? "event mail turned off: " : "",
                    a->mail_off ? (*a->mail_off ? a->mail_off : "none") : "",
                    a->mail_off ? "; " : "", ended);
}

int
ob_person_change(struct ob_ctx *ctx, const struct ob_person_change *ch)
{
    char pwhash[crypto_pwhash_STRBYTES];
    struct change_args a = { ch, NULL, NULL, NULL };
    char off[256];
    struct ob_person before;
    int rc;

    if ((rc = ob_access_session(ctx)) != 0)
        return rc;
    if (ch->mail_off) {
        if ((rc = ob_mail_off_parse(ctx, ch->mail_off, off, sizeof(off))) != 0)
            return rc;
        a.mail_off = off;
    }
    if (!ch->name && !ch->lang && !ch->password && !ch->mail_off)
        return 0;
    if ((rc = ob_person_get(ctx, ctx->actor.person, &before)) != 0)
        return rc;
    if (ch->lang && strcmp(ch->lang, "ru") && strcmp(ch->lang, "en"))
        return ob_err_field(&ctx->err, OB_EINVAL, "lang", "field.lang");
    if (ch->name && (strlen(ch->name) > 200 || !ob_utf8_valid(ch->name)))
        return ob_err_field(&ctx->err, OB_EINVAL, "name", "field.name_format");
    if (ch->password) {
        char *have = NULL;
        bool ok = false;

        if (!ch->current_password)
            return ob_err_field(&ctx->err, OB_EINVAL, "current_password",
                                "person.current_password_required");
        if ((rc = ob_password_check(ctx, ch->password, before.email, "password")) != 0 ||
            (rc = password_hash_of(ctx, ctx->actor.person, &have)) != 0 ||
            (rc = ob_auth_guess_begin(ctx, before.email)) != 0 ||
            (rc = ob_password_verify(ctx, have, ch->current_password, &ok)) != 0 ||
            (rc = ob_auth_guess_end(ctx, before.email, ok)) != 0)
            return rc;
        if (!ok)
            return ob_err_field(&ctx->err, OB_EINVAL, "current_password",
                                "person.current_password_wrong");
        if ((rc = ob_password_hash(ctx, ch->password, pwhash, sizeof(pwhash))) != 0)
            return rc;
        a.pwhash = pwhash;
    }
    a.before = &before;
    rc = ob_db_tx(ctx, OB_DB_WRITE, change, &a);
    sodium_memzero(pwhash, sizeof(pwhash));
    return rc;
}
