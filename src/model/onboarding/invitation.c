/*
 * invitation.c — invitation codes and the sign-up that activates one
 * (model/onboarding/invitation.h; R-ONB-1..3, R-ONB-6).
 *
 * A code is 80 bits of randombytes written as 16 symbols of a 32-symbol
 * alphabet, 5 bits each; it is stored formatted (K7QF-2MXD-9TAB-W4HP) under
 * a UNIQUE index, so looking one up is one indexed read.
 *
 * Sign-up, in the order a guesser meets it: the fields are checked (cheap,
 * and tell nothing about codes); then one write transaction of its own
 * reserves an attempt for the client's address and one for the code
 * (model/core/ratelimit.h), so N requests at once against a limit L look up
 * at most L codes — the metric oblako_signup_codes_checked_total counts
 * the look-ups; then the code is read: anything but open is the same
 * refusal. Only then is the password hashed (outside any transaction), and
 * the activation transaction claims the code with one conditional UPDATE:
 * SQLite's write lock or PostgreSQL's row lock lets exactly one request
 * past it, the others see no row changed and get the same refusal.
 *
 * The new subscriber's owner is invited by model/parties/invite.h to the
 * address given: a person without a password keeps the typed one (its hash
 * rides on the invitation, set when the emailed link is followed), a person
 * with one is asked to sign in and accept. The answer is the same in both
 * cases; only the mail differs, and only the mailbox's owner reads it.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/buf.h"
#include "base/date.h"
#include "base/metrics.h"
#include "base/rand.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/core/outbox.h"
#include "model/core/ratelimit.h"
#include "model/identity/access.h"
#include "model/identity/account.h"
#include "model/identity/mailpref.h"
#include "model/identity/person.h"
#include "model/identity/role.h"
#include "model/onboarding/invitation.h"
#include "model/parties/invite.h"
#include "model/parties/requisites.h"
#include "model/parties/subscriber.h"
#include "base/banned.h"

#define WRITERS (OB_ROLE_OWNER | OB_ROLE_OPERATOR)
#define READERS (OB_ROLE_OWNER | OB_ROLE_OPERATOR | OB_ROLE_CONSULTANT)
#define STAFF_WRITE (OB_ROLE_ADMIN | OB_ROLE_OPERATOR)
#define STAFF_READ (OB_ROLE_ADMIN | OB_ROLE_OPERATOR | OB_ROLE_SUPPORT | OB_ROLE_AUDITOR)

/* ---- the code ------------------------------------------------------------------------ */

static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

static void
format_code(const char sym[OB_INVITATION_SYMBOLS], char out[OB_INVITATION_CODE_LEN])
{
    size_t n = 0;

    for (int i = 0; i < OB_INVITATION_SYMBOLS; i++) {
        if (i && i % 4 == 0)
            out[n++] = '-';
        out[n++] = sym[i];
    }
    out[n] = '\0';
}

void
ob_invitation_code_new(char out[OB_INVITATION_CODE_LEN])
{
    unsigned char raw[10];
    char sym[OB_INVITATION_SYMBOLS];

    ob_rand_bytes(raw, sizeof(raw));  /* 80 bits: 16 symbols of 5 */
    for (int i = 0; i < OB_INVITATION_SYMBOLS; i++) {
        int bit = i * 5, byte = bit / 8, shift = bit % 8;
        unsigned v = (unsigned)raw[byte] << 8 | (byte + 1 < 10 ? raw[byte + 1] : 0);

        sym[i] = alphabet[(v >> (11 - shift)) & 31];
    }
    sodium_memzero(raw, sizeof(raw));
    format_code(sym, out);
}

/* Cyrillic capitals and small letters that look like Latin capitals. */
static const struct {
    unsigned cp;
    char latin;
} lookalikes[] = {
    { 0x410, 'A' }, { 0x412, 'B' }, { 0x415, 'E' }, { 0x41A, 'K' }, { 0x41C, 'M' },
    { 0x41D, 'H' }, { 0x420, 'P' }, { 0x421, 'C' }, { 0x422, 'T' }, { 0x423, 'Y' },
    { 0x425, 'X' }, { 0x430, 'A' }, { 0x432, 'B' }, { 0x435, 'E' }, { 0x43A, 'K' },
    { 0x43C, 'M' }, { 0x43D, 'H' }, { 0x440, 'P' }, { 0x441, 'C' }, { 0x442, 'T' },
    { 0x443, 'Y' }, { 0x445, 'X' },
};

/* Separators a person may type between groups: ASCII space, tab, dash, dot,
 * underscore; no-break space; the typographic dashes U+2010..U+2015. */
static bool
separator(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == '-' || cp == '.' || cp == '_' || cp == 0xA0 ||
           (cp >= 0x2010 && cp <= 0x2015);
}

/* The next code point of s (2-byte UTF-8 at most is enough here: anything
 * longer is refused as a whole); *len gets its length, 0 for bad input. */
static unsigned
next_cp(const unsigned char *s, size_t *len)
{
    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
        *len = 2;
        return (unsigned)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    }
    if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        *len = 3;
        return (unsigned)(s[0] & 0x0F) << 12 | (unsigned)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    *len = 0;
    return 0;
}

static char
symbol_of(unsigned cp)
{
    if (cp >= 'a' && cp <= 'z')
        cp -= 'a' - 'A';
    for (size_t i = 0; i < sizeof(lookalikes) / sizeof(lookalikes[0]); i++)
        if (lookalikes[i].cp == cp)
            return lookalikes[i].latin;
    if (cp < 0x80 && cp && strchr(alphabet, (int)cp))
        return (char)cp;
    return 0;
}

int
ob_invitation_code_parse(const char *in, char out[OB_INVITATION_CODE_LEN])
{
    const unsigned char *s = (const unsigned char *)in;
    char sym[OB_INVITATION_SYMBOLS];
    int n = 0;

    out[0] = '\0';
    if (!in || strlen(in) > 100)
        return -1;
    while (*s) {
        size_t len;
        unsigned cp = next_cp(s, &len);
        char c;

        if (!len)
            return -1;
        s += len;
        if (separator(cp))
            continue;
        if (!(c = symbol_of(cp)) || n == OB_INVITATION_SYMBOLS)
            return -1;
        sym[n++] = c;
    }
    if (n != OB_INVITATION_SYMBOLS)
        return -1;
    format_code(sym, out);
    return 0;
}

/* ---- reading ------------------------------------------------------------------------- */

#define INV_SELECT                                                                                 \
    "SELECT i.id, i.partner_id, i.tariff_id, COALESCE(i.subscriber_id, 0), COALESCE(s.code, 0), "  \
    "i.created_at, i.expires_at, COALESCE(i.revoked_at, 0), COALESCE(i.activated_at, 0), i.code, " \
    "i.email, pa.name, t.code, t.name_ru, COALESCE(sa.name, ''), "                                 \
    "COALESCE(NULLIF(p.name, ''), p.email, '') "                                                   \
    "FROM signup_invitations i JOIN accounts pa ON pa.id = i.partner_id "                          \
    "JOIN tariffs t ON t.id = i.tariff_id "                                                        \
    "LEFT JOIN accounts sa ON sa.id = i.subscriber_id "                                            \
    "LEFT JOIN subscribers s ON s.account_id = i.subscriber_id "                                   \
    "LEFT JOIN persons p ON p.id = i.created_by "

static const char *
state_of(int64_t now, const struct ob_invitation *v)
{
    if (v->activated_at)
        return "activated";
    if (v->revoked_at)
        return "revoked";
    return v->expires_at <= now ? "expired" : "open";
}

static void
read_row(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_invitation *v = out;

    memset(v, 0, sizeof(*v));
    v->id = ob_stmt_int(st, 0);
    v->partner = ob_stmt_int(st, 1);
    v->tariff = ob_stmt_int(st, 2);
    v->subscriber = ob_stmt_int(st, 3);
    v->subscriber_code = ob_stmt_int(st, 4);
    v->created_at = ob_stmt_int(st, 5);
    v->expires_at = ob_stmt_int(st, 6);
    v->revoked_at = ob_stmt_int(st, 7);
    v->activated_at = ob_stmt_int(st, 8);
    v->code = ob_stmt_dup(ctx, st, 9);
    v->email = ob_stmt_dup(ctx, st, 10);
    v->partner_name = ob_stmt_dup(ctx, st, 11);
    v->tariff_code = ob_stmt_dup(ctx, st, 12);
    v->tariff_name = ob_stmt_dup(ctx, st, 13);
    v->subscriber_name = ob_stmt_dup(ctx, st, 14);
    v->created_by = ob_stmt_dup(ctx, st, 15);
    v->lang = "ru";
    v->state = state_of(ob_clock_now(ctx), v);
}

static int
load(struct ob_ctx *ctx, const char *where, int64_t id, const char *code, struct ob_invitation *out)
{
    const char *sql = ob_arena_printf(&ctx->arena, INV_SELECT "%s", where);
    int rc = code ? ob_db_one(ctx, read_row, out, sql, "t", code)
                  : ob_db_one(ctx, read_row, out, sql, "i", id);

    if (rc == OB_ENOTFOUND && !code)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "invitation.not_found", "id=%lld",
                          (long long)id);
    return rc;
}

struct list_fn {
    int (*fn)(const struct ob_invitation *, void *);
    void *arg;
};

static int
list_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct list_fn *f = arg;
    struct ob_invitation v;

    read_row(ctx, st, &v);
    return f->fn(&v, f->arg);
}

static const char *
state_sql(const char *state)
{
    static const struct {
        const char *state, *sql;
    } states[] = {
        { "open", "i.activated_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? AND ? > 0" },
        { "expired",
          "i.activated_at IS NULL AND i.revoked_at IS NULL AND i.expires_at <= ? AND ? > 0" },
        { "activated", "i.activated_at IS NOT NULL AND ? = ?" },
        { "revoked", "i.activated_at IS NULL AND i.revoked_at IS NOT NULL AND ? = ?" },
    };

    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        if (!strcmp(states[i].state, state))
            return states[i].sql;
    return NULL;
}

/* Without a partner: provider staff read every partner's codes, anyone
 * else those of the partners where they hold a reading role ("1 = 0" for
 * none: an empty list). Ids come from the actor's memberships, never input. */
static int
scope_sql(struct ob_ctx *ctx, const char **out)
{
    const struct ob_member *m;
    struct ob_buf b;
    int n, rc;

    if (ctx->actor.system || (ob_access_provider_roles(ctx) & STAFF_READ))
        return ob_access_provider(ctx, STAFF_READ);
    if ((rc = ob_access_members(ctx, &m, &n)) != 0)
        return rc;
    ob_buf_init(&b, 1 << 16);
    for (int i = 0; i < n; i++)
        if (m[i].kind == OB_KIND_PARTNER && (m[i].roles & READERS))
            ob_buf_addf(&b, "%s%lld", b.len ? "," : "", (long long)m[i].account);
    *out = b.len ? ob_arena_printf(&ctx->arena, "i.partner_id IN (%s)", b.p) : "1 = 0";
    ob_buf_free(&b);
    return 0;
}

int
ob_invitation_list(struct ob_ctx *ctx, const struct ob_invitation_filter *f, int64_t after,
                   int limit, int (*fn)(const struct ob_invitation *, void *), void *arg)
{
    const char *like = f->q && *f->q ? ob_db_like_pattern(ctx, f->q) : "";
    const char *st = "? = ?", *scope = "1 = 1";
    struct list_fn lf = { fn, arg };
    int64_t now = ob_clock_now(ctx);
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (f->state && *f->state && !(st = state_sql(f->state)))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "invitation.bad_state", "state=%.40s",
                            f->state);
    if (f->partner)
        rc = ob_access_partner(ctx, f->partner, READERS, STAFF_READ);
    else
        rc = scope_sql(ctx, &scope);
    if (rc != 0)
        return rc;
    return ob_db_each(
        ctx, list_row, &lf,
        ob_arena_printf(&ctx->arena,
                        INV_SELECT "WHERE (? = 0 OR i.partner_id = ?) AND (? = 0 OR i.id < ?) "
                                   "AND %s AND %s AND (? = '' OR LOWER(i.code) LIKE ? ESCAPE '\\' "
                                   "OR LOWER(i.email) LIKE ? ESCAPE '\\' OR "
                                   "LOWER(COALESCE(sa.name, '')) LIKE ? ESCAPE '\\') "
                                   "ORDER BY i.id DESC LIMIT ?",
                        st, scope),
        "iiii" "ii" "tttt" "i", f->partner, f->partner, after, after, now, now, like, like, like,
        like, (int64_t)limit);
}

/* ---- creating and revoking ----------------------------------------------------------- */

/* The trial tariff of a new code: the given one when it is a trial tariff
 * that is standard or the partner's own, else TRIAL-30. */
static int
trial_tariff(struct ob_ctx *ctx, int64_t partner, int64_t *tariff)
{
    char kind[32] = "";
    int rc;

    if (!*tariff) {
        rc = ob_db_get_int(ctx->db, tariff,
                           "SELECT id FROM tariffs WHERE code = 'TRIAL-30' AND partner_id IS NULL",
                           "");
        if (rc == OB_DB_ROW)
            return 0;
        return rc < 0 ? ob_db_err(ctx, rc)
                      : ob_err_set(&ctx->err, OB_EINTERNAL, "invitation.no_trial_tariff");
    }
    rc = ob_db_get_text(ctx->db, kind, sizeof(kind),
                        "SELECT kind FROM tariffs WHERE id = ? AND active = 1 AND "
                        "(partner_id IS NULL OR partner_id = ?)",
                        "ii", *tariff, partner);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_ROW)
        return ob_err_field(&ctx->err, OB_ENOTFOUND, "tariff", "invitation.tariff_not_found",
                            "id=%lld", (long long)*tariff);
    if (strcmp(kind, "trial"))
        return ob_err_field(&ctx->err, OB_EINVAL, "tariff", "invitation.tariff_not_trial",
                            "id=%lld", (long long)*tariff);
    return 0;
}

/* The last day a code is good on, for people: it expires at 00:00 of the
 * day after. */
static void
last_day(int64_t t, const char *lang, json_t *vars)
{
    json_t *days = json_object();

    ob_mail_day(days, "until", ob_date_of_instant(t - 1));
    json_object_set(vars, "until",
                    json_object_get(days, strcmp(lang, "en") ? "until_ru" : "until_en"));
    json_decref(days);
}

static int
mail_code(struct ob_ctx *ctx, const struct ob_invitation *v)
{
    const char *base = ctx->cfg && ctx->cfg->public_url[0] ? ctx->cfg->public_url : "";
    char phone[64] = "", email[256] = "";
    json_t *vars;
    int rc;

    rc = ob_db_get_text(ctx->db, phone, sizeof(phone),
                        "SELECT phone FROM partners WHERE account_id = ?", "i", v->partner);
    if (rc >= 0)
        rc = ob_db_get_text(ctx->db, email, sizeof(email),
                            "SELECT email FROM partners WHERE account_id = ?", "i", v->partner);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    vars = json_pack("{s:s, s:s, s:o, s:s, s:s}", "code", v->code, "inviter", v->partner_name,
                     "link", json_sprintf("%s/signup?code=%s", base, v->code), "partner_phone",
                     phone, "partner_email", email);
    last_day(v->expires_at, v->lang, vars);
    rc = ob_outbox_add(ctx, v->email, v->lang, "invitation_code", vars, v->partner);
    json_decref(vars);
    return rc;
}

struct create_args {
    const struct ob_invitation_new *in;
    struct ob_invitation *out;
    char email[OB_EMAIL_MAX + 1];
};

static int
create(struct ob_ctx *ctx, void *arg)
{
    struct create_args *a = arg;
    int days = ctx->cfg && ctx->cfg->invitation_days ? ctx->cfg->invitation_days : 30;
    int64_t now = ob_clock_now(ctx), tariff = a->in->tariff, id = 0;
    char code[OB_INVITATION_CODE_LEN];
    int32_t end;
    int rc;

    if ((rc = trial_tariff(ctx, a->in->partner, &tariff)) != 0)
        return rc;
    /* whole days, as a subscription's (R-SUB-0): made on D, good through D + days - 1 */
    if (ob_date_add_days(ob_clock_today(ctx), days, &end) != 0)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "invitation.bad_expiry", "days=%d", days);
    ob_invitation_code_new(code);
    rc = ob_db_get_int(ctx->db, &id,
                       "INSERT INTO signup_invitations (partner_id, code, email, tariff_id, "
                       "created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                       "RETURNING id",
                       "ittizii", a->in->partner, code, a->email, tariff, ctx->actor.person, now,
                       ob_date_start(end));
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = load(ctx, "WHERE i.id = ?", id, NULL, a->out)) != 0)
        return rc;
    a->out->lang = a->in->lang && !strcmp(a->in->lang, "en") ? "en" : "ru";
    if (*a->email && (rc = mail_code(ctx, a->out)) != 0)
        return rc;
    return ob_audit_with(ctx, a->in->partner, "invitation.created", "signup_invitation", id,
                         json_pack("{s:s, s:s, s:s}", "code", code, "email", a->email, "tariff",
                                   a->out->tariff_code),
                         "invitation code %s (%s)%s%s", code, a->out->tariff_code,
                         *a->email ? " mailed to " : "", a->email);
}

int
ob_invitation_create(struct ob_ctx *ctx, const struct ob_invitation_new *in,
                     struct ob_invitation *out)
{
    struct create_args a = { in, out, "" };
    int rc;

    if ((rc = ob_access_person(ctx)) != 0 ||
        (rc = ob_access_partner(ctx, in->partner, WRITERS, STAFF_WRITE)) != 0)
        return rc;
    if (in->lang && *in->lang && strcmp(in->lang, "ru") && strcmp(in->lang, "en"))
        return ob_err_field(&ctx->err, OB_EINVAL, "lang", "invitation.bad_lang");
    if (in->email && *in->email &&
        (rc = ob_email_normalize(ctx, in->email, a.email, sizeof(a.email), "email")) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, create, &a);
}

struct revoke_args {
    int64_t id;
    struct ob_invitation *out;
};

static int
revoke(struct ob_ctx *ctx, void *arg)
{
    struct revoke_args *a = arg;
    int64_t now = ob_clock_now(ctx), n;
    const char *was;
    int rc;

    if ((rc = load(ctx, "WHERE i.id = ?", a->id, NULL, a->out)) != 0)
        return rc;
    if ((rc = ob_access_partner(ctx, a->out->partner, WRITERS, STAFF_WRITE)) != 0)
        return rc;
    was = a->out->state;
    if (strcmp(was, "open"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "invitation.not_open", "code=%s state=%s",
                          a->out->code, was);
    n = ob_db_run(ctx->db,
                  "UPDATE signup_invitations SET revoked_at = ?, revoked_by = ? WHERE id = ? AND "
                  "activated_at IS NULL AND revoked_at IS NULL",
                  "izi", now, ctx->actor.person, a->id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "invitation.not_open", "code=%s state=%s",
                          a->out->code, "activated");
    a->out->revoked_at = now;
    a->out->state = "revoked";
    return ob_audit_with(ctx, a->out->partner, "invitation.revoked", "signup_invitation", a->id,
                         json_pack("{s:s, s:s}", "code", a->out->code, "email", a->out->email),
                         "invitation code %s: open → revoked", a->out->code);
}

int
ob_invitation_revoke(struct ob_ctx *ctx, int64_t id, struct ob_invitation *out)
{
    struct revoke_args a = { id, out };
    int rc = ob_access_person(ctx);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, revoke, &a);
}

/* ---- signing up ---------------------------------------------------------------------- */

static int
code_not_valid(struct ob_ctx *ctx)
{
    return ob_err_field(&ctx->err, OB_EINVAL, "code", "signup.code_not_valid");
}

struct signup_args {
    const struct ob_signup *in;
    struct ob_signup_result *out;
    char email[OB_EMAIL_MAX + 1];
    char code[OB_INVITATION_CODE_LEN];
    char pwhash[crypto_pwhash_STRBYTES];
    const char *lang;
    struct ob_invitation inv;
};

static int
check_fields(struct ob_ctx *ctx, struct signup_args *a)
{
    const struct ob_signup *in = a->in;
    int rc;

    if ((rc = ob_check_text(ctx, in->name, 200, true, "name")) != 0)
        return rc;
    if (!in->email || !*in->email)
        return ob_err_field(&ctx->err, OB_EINVAL, "email", "field.required");
    if ((rc = ob_email_normalize(ctx, in->email, a->email, sizeof(a->email), "email")) != 0)
        return rc;
    if (!in->phone || !*in->phone)
        return ob_err_field(&ctx->err, OB_EINVAL, "phone", "field.required");
    if ((rc = ob_check_phone(ctx, in->phone, "phone")) != 0)
        return rc;
    if (!in->password || !*in->password)
        return ob_err_field(&ctx->err, OB_EINVAL, "password", "field.required");
    if ((rc = ob_password_check(ctx, in->password, a->email, "password")) != 0)
        return rc;
    if (!in->code || !*in->code)
        return ob_err_field(&ctx->err, OB_EINVAL, "code", "field.required");
    if (ob_invitation_code_parse(in->code, a->code) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "code", "signup.code_malformed");
    if (in->lang && *in->lang && strcmp(in->lang, "ru") && strcmp(in->lang, "en"))
        return ob_err_field(&ctx->err, OB_EINVAL, "lang", "invitation.bad_lang");
    a->lang = in->lang && !strcmp(in->lang, "en") ? "en" : "ru";
    return 0;
}

/* One attempt for the address and one for the code, before the code is
 * looked up (R-ONB-6). */
static int
reserve(struct ob_ctx *ctx, void *arg)
{
    const struct signup_args *a = arg;
    const struct ob_config *cfg = ctx->cfg;
    int per_addr = cfg && cfg->signup_limit_address ? cfg->signup_limit_address : 20;
    int per_code = cfg && cfg->signup_limit_code ? cfg->signup_limit_code : 5;
    int64_t window = 60 * (cfg && cfg->signup_limit_minutes ? cfg->signup_limit_minutes : 60);
    char key[128];
    int rc;

    snprintf(key, sizeof(key), "signup:addr:%s", ctx->remote_addr ? ctx->remote_addr : "");
    if ((rc = ob_ratelimit_reserve(ctx, key, per_addr, window, OB_REASON("rate.signup"))) != 0)
        return rc;
    snprintf(key, sizeof(key), "signup:code:%s", a->code);
    return ob_ratelimit_reserve(ctx, key, per_code, window, OB_REASON("rate.signup_code"));
}

static int
mail_partner(struct ob_ctx *ctx, const struct signup_args *a, int64_t code)
{
    json_t *vars = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "client", a->in->name,
                             "client_code", (json_int_t)code, "client_email", a->email,
                             "client_phone", a->in->phone, "invitation", a->code, "partner",
                             a->inv.partner_name);
    int rc = ob_mail_members(ctx, a->inv.partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR,
                             "subscriber.registered", "signup_partner", vars, NULL);

    json_decref(vars);
    return rc;
}

/* The owner invitation: a person who has a password signs in and accepts;
 * anyone else keeps the password typed here. */
static int
invite_owner(struct ob_ctx *ctx, struct signup_args *a, int64_t sub)
{
    struct ob_invite_new in = { 0 };
    struct ob_invite out;
    struct ob_person p;
    bool has_password = false;
    int rc = ob_person_find(ctx, a->email, &p);

    if (rc == OB_ENOTFOUND)
        ob_err_clear(&ctx->err);
    else if (rc != 0)
        return rc;
    else
        has_password = p.has_password;
    in.account = sub;
    in.email = a->email;
    in.name = a->in->name;
    in.lang = a->lang;
    in.roles = OB_ROLE_OWNER;
    in.pwhash = has_password ? NULL : a->pwhash;
    in.tmpl = has_password ? "signup_sign_in" : "signup_confirm";
    return ob_invite_send(ctx, &in, &out);
}

static int
activate(struct ob_ctx *ctx, void *arg)
{
    struct signup_args *a = arg;
    struct ob_trial_spec spec = { .tariff = a->inv.tariff };
    int64_t now = ob_clock_now(ctx), sub = 0, code = 0, signup = 0, n;
    json_t *data;
    int rc;

    n = ob_db_run(ctx->db,
                  "UPDATE signup_invitations SET activated_at = ? WHERE id = ? AND activated_at "
                  "IS NULL AND revoked_at IS NULL AND expires_at > ?",
                  "iii", now, a->inv.id, now);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return code_not_valid(ctx);
    if ((rc = ob_subscriber_insert_trial(ctx, a->in->name, a->inv.partner, &spec, &sub, &code)))
        return rc;
    n = ob_db_run(ctx->db, "UPDATE signup_invitations SET subscriber_id = ? WHERE id = ?", "ii",
                  sub, a->inv.id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    rc = ob_db_get_int(ctx->db, &signup,
                       "INSERT INTO signups (subscriber_id, partner_id, invitation_id, email, name, "
                       "phone, lang, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "iiitttti", sub, a->inv.partner, a->inv.id, a->email, a->in->name,
                       a->in->phone, a->lang, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = invite_owner(ctx, a, sub)) != 0 || (rc = mail_partner(ctx, a, code)) != 0)
        return rc;
    data = json_pack("{s:s, s:I, s:I, s:I}", "source", "invitation", "partner",
                     (json_int_t)a->inv.partner, "invitation", (json_int_t)a->inv.id, "signup",
                     (json_int_t)signup);
    rc = ob_event_emit(ctx, "subscriber.registered", a->inv.partner, sub, data, NULL);
    json_decref(data);
    if (rc != 0)
        return rc;
    a->out->subscriber = sub;
    return ob_audit_with(ctx, sub, "subscriber.registered", "account", sub,
                         json_pack("{s:s, s:s, s:s, s:s}", "name", a->in->name, "email", a->email,
                                   "code", a->code, "partner", a->inv.partner_name),
                         "'%s' (%lld) registered by invitation code %s of '%s', owner invited: %s",
                         a->in->name, (long long)code, a->code, a->inv.partner_name, a->email);
}

static int
look_up(struct ob_ctx *ctx, struct signup_args *a)
{
    int rc;

    ob_metrics_signup_code();
    rc = load(ctx, "WHERE i.code = ?", 0, a->code, &a->inv);
    if (rc == OB_ENOTFOUND || (rc == 0 && strcmp(a->inv.state, "open")))
        return code_not_valid(ctx);
    return rc;
}

int
ob_signup_activate(struct ob_ctx *ctx, const struct ob_signup *in, struct ob_signup_result *out)
{
    struct signup_args *a = ob_arena_alloc(&ctx->arena, sizeof(*a));
    int rc;

    memset(a, 0, sizeof(*a));
    memset(out, 0, sizeof(*out));
    a->in = in;
    a->out = out;
    if ((rc = check_fields(ctx, a)) != 0 || (rc = ob_db_tx(ctx, OB_DB_WRITE, reserve, a)) != 0 ||
        (rc = look_up(ctx, a)) != 0)
        return rc;
    if ((rc = ob_password_hash(ctx, in->password, a->pwhash, sizeof(a->pwhash))) != 0)
        return rc;
    rc = ob_db_tx(ctx, OB_DB_WRITE, activate, a);
    sodium_memzero(a->pwhash, sizeof(a->pwhash));
    out->email = ob_arena_strdup(&ctx->arena, a->email);
    return rc;
}
