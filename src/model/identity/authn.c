/*
 * authn.c — sessions, tokens, sign-in limits, links and TOTP.
 *
 * Sign-in runs in three steps so the expensive hash never holds the write
 * lock: reserve the attempt on the limits (a short write transaction,
 * committed), verify the password (no transaction), then record the outcome
 * and create the session (one write transaction). Reserving first is what
 * makes the limits exact: 200 wrong passwords at once against a limit of 5
 * evaluate 5 hashes, the others are refused before hashing. A right answer
 * gives its attempt back. The same per-person limit counts every other
 * guess of the person's secrets: the current password of PATCH /me and the
 * second-factor codes of the set-up and the switch-off.
 *
 * A second-factor code is accepted once: the time step it was made for is
 * stored (persons.totp_last_step) in the transaction that accepts it, and a
 * code of that step or an earlier one is refused afterwards.
 *
 * A password set (by the person or through an emailed link) ends every
 * other browser session of the person and, unless they choose to keep
 * them, their API tokens; issuing a link makes every earlier link of the
 * person useless.
 */
#include <liboath/oath.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/log.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/core/audit.h"
#include "model/identity/authn.h"
#include "model/core/outbox.h"
#include "model/identity/person.h"
#include "model/identity/principal.h"
#include "model/core/ratelimit.h"
#include "base/metrics.h"
#include "model/identity/role.h"
#include "base/banned.h"

#define WINDOW_S (15 * 60)
#define EMAIL_FAILURES 5
#define ADDR_FAILURES 30
#define RESET_MAILS 5
#define TOUCH_S 60
#define TOKEN_PREFIX "obk_"

static int delete_session(struct ob_ctx *ctx, const char *hash);

_Static_assert(sizeof(((struct ob_actor *)0)->csrf) == OB_CSRF_LEN, "the actor holds a CSRF token");

/* Verified against when the email is unknown, so the answer takes as long
 * as for a known one (a valid argon2id string of the interactive limits). */
static const char dummy_hash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
/* With --test-clock real hashes use the minimum limits (person.c): so does
 * this one, or every unknown email would cost the tests a full hash. */
static const char dummy_hash_cheap[] =
    "$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

void
ob_auth_hash(const char *secret, char out[65])
{
    unsigned char h[32];

    crypto_generichash(h, sizeof(h), (const unsigned char *)secret, strlen(secret), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof(h));
}

void
ob_auth_new_secret(char out[OB_SECRET_LEN])
{
    unsigned char raw[32];

    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, OB_SECRET_LEN, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

struct secrets {
    const char *hash, *totp;
    bool totp_enabled, disabled, staff;
    int64_t totp_last_step;     /* the time step of the last code accepted */
    const char *email;
};

static void
read_secrets(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct secrets *s = arg;

    if (!ob_stmt_null(st, 0))
        s->hash = ob_stmt_dup(ctx, st, 0);
    if (!ob_stmt_null(st, 1))
        s->totp = ob_stmt_dup(ctx, st, 1);
    s->totp_enabled = ob_stmt_int(st, 2) != 0;
    s->disabled = ob_stmt_int(st, 3) != 0;
    s->staff = ob_stmt_int(st, 4) > 0;
    s->totp_last_step = ob_stmt_int(st, 5);
    s->email = ob_stmt_dup(ctx, st, 6);
}

/* The person's secrets; all empty (no hash) when there is no such person. */
static int
load_secrets(struct ob_ctx *ctx, int64_t person, struct secrets *s)
{
    int rc;

    memset(s, 0, sizeof(*s));
    rc = ob_db_one(ctx, read_secrets, s,
                   "SELECT password_hash, totp_secret, totp_enabled, disabled, "
                   "(SELECT COUNT(*) FROM memberships m JOIN accounts a ON "
                   "a.id = m.account_id WHERE m.person_id = p.id AND "
                   "a.kind = 'provider'), totp_last_step, email FROM persons p WHERE id = ?",
                   "i", person);
    return rc == OB_ENOTFOUND ? 0 : rc;
}

/* The time step a code was made for (one step either side of now is
 * accepted), or 0 when the code is not right. */
static int64_t
totp_step(const char *secret32, const char *code, int64_t now)
{
    char *raw = NULL;
    size_t len = 0;
    uint64_t counter = 0;
    int pos = 0, rc;

    if (!secret32 || !code || strlen(code) != 6 ||
        oath_base32_decode(secret32, strlen(secret32), &raw, &len) != OATH_OK)
        return 0;
    rc = oath_totp_validate3(raw, len, (time_t)now, 30, 0, 1, &pos, &counter, code);
    free(raw);
    return rc >= 0 && counter > 0 ? (int64_t)counter : 0;
}

/* Take a code's time step for the person, once: 0 when it was taken now,
 * OB_EINVAL (naming `field`) when a code of this step or a later one was
 * accepted before. Joins the transaction. */
static int
totp_claim(struct ob_ctx *ctx, int64_t person, int64_t step, const char *field)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE persons SET totp_last_step = ? "
                          "WHERE id = ? AND totp_last_step < ?",
                          "iii", step, person, step);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "auth.totp_used");
    return 0;
}

/* ---- guesses and their limits ------------------------------------------------------- */

struct attempt {
    const char *keys[2];
    int limits[2];
    int n;
    const char *reason;     /* of the refusal: what is limited */
};

static void
person_key(const char *email, char *out, size_t size)
{
    snprintf(out, size, "email:%s", email);
}

static int
attempt_reserve(struct ob_ctx *ctx, void *arg)
{
    struct attempt *a = arg;
    int rc = 0;

    for (int i = 0; i < a->n && rc == 0; i++)
        rc = ob_ratelimit_reserve(ctx, a->keys[i], a->limits[i], WINDOW_S, a->reason);
    return rc;
}

/* A right answer gives the attempt back: the person's failures are
 * forgotten, the address's count loses this one. */
static int
attempt_release(struct ob_ctx *ctx, const struct attempt *a)
{
    int rc = 0;

    for (int i = 0; i < a->n && rc == 0; i++)
        rc = ob_ratelimit_release(ctx, a->keys[i], i == 0);
    return rc;
}

static int
attempt_release_tx(struct ob_ctx *ctx, void *arg)
{
    return attempt_release(ctx, arg);
}

int
ob_auth_guess_begin(struct ob_ctx *ctx, const char *email)
{
    char key[OB_EMAIL_MAX + 8];
    struct attempt a = { { key }, { EMAIL_FAILURES }, 1, OB_REASON("rate.wrong_guesses") };

    person_key(email, key, sizeof(key));
    return ob_db_tx(ctx, OB_DB_WRITE, attempt_reserve, &a);
}

int
ob_auth_guess_end(struct ob_ctx *ctx, const char *email, bool right)
{
    char key[OB_EMAIL_MAX + 8];
    struct attempt a = { { key }, { EMAIL_FAILURES }, 1, OB_REASON("rate.wrong_guesses") };

    if (!right)
        return 0;   /* it stays counted */
    person_key(email, key, sizeof(key));
    return ob_db_tx(ctx, OB_DB_WRITE, attempt_release_tx, &a);
}


struct outcome {
    const char *email, *old;
    const struct attempt *attempt;
    int64_t person, totp_step;  /* totp_step: the code's step to take, 0: none */
    bool ok, mfa_ok;
    struct ob_signed_in *out;
};

static int
start_session(struct ob_ctx *ctx, struct outcome *o, int64_t now)
{
    unsigned char raw[16];
    char hash[65];
    int64_t n;

    ob_auth_new_secret(o->out->secret);
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(o->out->csrf, OB_CSRF_LEN, raw, sizeof(raw));
    ob_auth_hash(o->out->secret, hash);
    n = ob_db_run(ctx->db,
                  "INSERT INTO auth_sessions (id_hash, person_id, csrf, mfa_ok, addr, created_at, "
                  "seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  "tititii", hash, o->person, o->out->csrf, (int64_t)o->mfa_ok,
                  ctx->remote_addr ? ctx->remote_addr : "", now, now);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    o->out->person = o->person;
    ctx->actor.person = o->person;
    ctx->actor.name = o->email;
    ctx->actor.mfa_missing = !o->mfa_ok;
    return ob_audit(ctx, 0, "auth.login", "person", o->person, "signed in");
}

int
ob_auth_session_start(struct ob_ctx *ctx, int64_t person, const char *email, const char *old,
                      struct ob_signed_in *out)
{
    struct outcome o = { .email = email, .person = person, .mfa_ok = true, .out = out };
    char hash[65];
    int rc;

    memset(out, 0, sizeof(*out));
    if (old && *old) {
        ob_auth_hash(old, hash);
        if ((rc = delete_session(ctx, hash)) != 0)
            return rc;
    }
    return start_session(ctx, &o, ob_clock_now(ctx));
}

/* The outcome of a sign-in whose attempt was reserved: a failure stays
 * counted; a success takes the code's step, gives the attempt back and
 * starts the session. */
static int
record(struct ob_ctx *ctx, void *arg)
{
    struct outcome *o = arg;
    int64_t now = ob_clock_now(ctx);
    char hash[65];
    int rc;

    if (!o->ok)
        return 0;
    if (o->totp_step && (rc = totp_claim(ctx, o->person, o->totp_step, "otp")) != 0) {
        ob_err_clear(&ctx->err);
        o->ok = false;      /* a replayed code is a wrong code: it stays counted */
        return 0;
    }
    if ((rc = attempt_release(ctx, o->attempt)) != 0)
        return rc;
    if (o->old && *o->old) {
        ob_auth_hash(o->old, hash);
        if ((rc = delete_session(ctx, hash)) != 0)
            return rc;
    }
    return start_session(ctx, o, now);
}

/* Are the password, and the code when the person has TOTP, right? Into
 * o->ok and o->totp_step. A right password without the code it needs is no
 * failure: the attempt is released and the code asked for (OB_EUNAUTH). */
static int
check_secrets(struct ob_ctx *ctx, const struct ob_login *in, bool known, const struct secrets *s,
              struct attempt *at, struct outcome *o)
{
    bool verified = false;
    int rc = ob_password_verify(ctx,
                                s->hash                            ? s->hash
                                : ctx->cfg && ctx->cfg->test_clock ? dummy_hash_cheap
                                                                   : dummy_hash,
                                in->password, &verified);

    if (rc != 0)
        return rc;
    o->ok = known && s->hash && verified && !s->disabled;
    if (o->ok && s->totp_enabled) {
        if (!in->otp || !*in->otp) {
            if ((rc = ob_db_tx(ctx, OB_DB_WRITE, attempt_release_tx, at)) != 0)
                return rc;
            return ob_err_field(&ctx->err, OB_EUNAUTH, "otp", "auth.totp_format");
        }
        o->totp_step = totp_step(s->totp, in->otp, ob_clock_now(ctx));
        o->ok = o->totp_step > s->totp_last_step;
    }
    return 0;
}

int
ob_auth_login(struct ob_ctx *ctx, const struct ob_login *in, const char *old,
              struct ob_signed_in *out)
{
    char email[OB_EMAIL_MAX + 1], ekey[OB_EMAIL_MAX + 8], akey[80];
    struct attempt at = { { ekey, akey }, { EMAIL_FAILURES, ADDR_FAILURES }, 2,
                          OB_REASON("rate.failed_sign_ins") };
    struct outcome o = { 0 };
    struct ob_person p;
    struct secrets s = { 0 };
    bool known;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = ob_email_normalize(ctx, in->email, email, sizeof(email), "email")) != 0)
        return rc;
    if (!in->password || !*in->password)
        return ob_err_field(&ctx->err, OB_EINVAL, "password", "auth.password_required");
    person_key(email, ekey, sizeof(ekey));
    snprintf(akey, sizeof(akey), "addr:%s", ctx->remote_addr ? ctx->remote_addr : "");
    /* counted before the hash, so parallel guesses cannot outrun the limit */
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, attempt_reserve, &at)) != 0)
        return rc;
    rc = ob_person_find(ctx, email, &p);
    known = rc == 0;
    if (rc != 0 && rc != OB_ENOTFOUND)
        return rc;
    ob_err_clear(&ctx->err);
    if (known && (rc = load_secrets(ctx, p.id, &s)) != 0)
        return rc;
    if ((rc = check_secrets(ctx, in, known, &s, &at, &o)) != 0)
        return rc;
    o.email = ob_arena_strdup(&ctx->arena, email);
    o.attempt = &at;
    o.old = old;
    o.person = known ? p.id : 0;
    o.mfa_ok = !(ctx->cfg && ctx->cfg->require_totp && s.staff && !s.totp_enabled);
    o.out = out;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, record, &o)) != 0)
        return rc;
    if (!o.ok)
        return ob_err_set(&ctx->err, OB_EUNAUTH, "auth.wrong_credentials");
    return 0;
}

/* Delete a session's row; its person's generation moves with it, so every
 * node's cached copy is refused at its next use. Joins the transaction. */
static int
delete_session(struct ob_ctx *ctx, const char *hash)
{
    int rc = ob_principal_bump_session(ctx, hash);
    int64_t n;

    if (rc != 0)
        return rc;
    n = ob_db_run(ctx->db, "DELETE FROM auth_sessions WHERE id_hash = ?", "t", hash);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

static int
end_session(struct ob_ctx *ctx, void *arg)
{
    return delete_session(ctx, arg);
}

static int
touch(struct ob_ctx *ctx, void *arg)
{
    int64_t n = ob_db_run(ctx->db, "UPDATE auth_sessions SET seen_at = ? WHERE id_hash = ?", "it",
                          ob_clock_now(ctx), (const char *)arg);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

struct session_row {
    int64_t person, account, created, seen, mfa, gen;
    char token[OB_CSRF_LEN];
    const char *email, *lang;
};

static void
read_session(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct session_row *s = arg;

    s->person = ob_stmt_int(st, 0);
    s->account = ob_stmt_int(st, 1);
    snprintf(s->token, sizeof(s->token), "%s", ob_stmt_dup(ctx, st, 2));
    s->created = ob_stmt_int(st, 3);
    s->seen = ob_stmt_int(st, 4);
    s->mfa = ob_stmt_int(st, 5);
    s->email = ob_stmt_dup(ctx, st, 6);
    s->lang = ob_stmt_dup(ctx, st, 7);
    s->gen = ob_stmt_int(st, 8);
}

/* The cached session of hash, if its person's generation has not moved
 * (the one read of a cached request) and it is within both limits by its
 * cached seen_at. Anything else (a miss, a moved generation, a seen_at that
 * another node may have moved on) reads the row again: a session is never
 * ended on a cached seen_at. */
static int
cached_session(struct ob_ctx *ctx, const char *hash, int64_t now, int64_t idle, int64_t max,
               struct session_row *s, bool *hit)
{
    struct ob_principal_session c;
    int64_t gen;
    int rc;

    *hit = false;
    if (!ob_principal_session_get(hash, &c)) {
        ob_metrics_principal_cache(OB_METRICS_CACHE_MISS);
        return 0;
    }
    if (now - c.seen > idle || now - c.created > max) {
        ob_principal_session_drop(hash);
        ob_metrics_principal_cache(OB_METRICS_CACHE_MISS);
        return 0;
    }
    rc = ob_principal_gen(ctx, c.person, &gen);
    if (rc != 0 && rc != OB_ENOTFOUND)
        return rc;
    if (rc == OB_ENOTFOUND || gen != c.gen) {
        ob_err_clear(&ctx->err);
        ob_principal_session_drop(hash);
        ob_metrics_principal_cache(OB_METRICS_CACHE_STALE);
        return 0;
    }
    ob_metrics_principal_cache(OB_METRICS_CACHE_HIT);
    s->person = c.person;
    s->account = c.account;
    s->created = c.created;
    s->seen = c.seen;
    s->mfa = c.mfa_ok;
    s->gen = c.gen;
    memcpy(s->token, c.csrf, sizeof(s->token));
    s->email = ob_arena_strdup(&ctx->arena, c.email);
    s->lang = ob_arena_strdup(&ctx->arena, c.lang);
    *hit = true;
    return 0;
}

static void
cache_session(const char *hash, const struct session_row *s)
{
    struct ob_principal_session c;

    if (strlen(s->email) >= sizeof(c.email) || strlen(s->lang) >= sizeof(c.lang))
        return;
    memset(&c, 0, sizeof(c));
    c.gen = s->gen;
    c.person = s->person;
    c.account = s->account;
    c.created = s->created;
    c.seen = s->seen;
    c.mfa_ok = s->mfa != 0;
    memcpy(c.csrf, s->token, sizeof(c.csrf));
    memcpy(c.email, s->email, strlen(s->email) + 1);
    memcpy(c.lang, s->lang, strlen(s->lang) + 1);
    ob_principal_session_put(hash, &c);
}

int
ob_auth_session(struct ob_ctx *ctx, const char *secret, bool changing, const char *csrf_header,
                bool origin_ok, char *csrf)
{
    char hash[65];
    struct session_row s = { 0 };
    int64_t now = ob_clock_now(ctx);
    int64_t idle = (int64_t)(ctx->cfg ? ctx->cfg->session_idle_minutes : 30) * 60;
    int64_t max = (int64_t)(ctx->cfg ? ctx->cfg->session_max_hours : 12) * 3600;
    bool hit = false;
    int rc;

    ob_auth_hash(secret, hash);
    if ((rc = cached_session(ctx, hash, now, idle, max, &s, &hit)) != 0)
        return rc;
    if (!hit) {
        rc = ob_db_one(ctx, read_session, &s,
                       "SELECT s.person_id, COALESCE(s.account_id, 0), s.csrf, s.created_at, "
                       "s.seen_at, s.mfa_ok, p.email, p.lang, p.auth_gen FROM auth_sessions s "
                       "JOIN persons p ON p.id = s.person_id WHERE s.id_hash = ? AND "
                       "p.disabled = 0",
                       "t", hash);
        if (rc != 0 && rc != OB_ENOTFOUND)
            return rc;
        if (!s.person || now - s.seen > idle || now - s.created > max) {
            if (s.person)
                ob_db_tx(ctx, OB_DB_WRITE, end_session, hash);
            return ob_err_set(&ctx->err, OB_EUNAUTH, "auth.session_ended");
        }
    }
    if (changing && !origin_ok &&
        (!csrf_header || strlen(csrf_header) != strlen(s.token) ||
         sodium_memcmp(csrf_header, s.token, strlen(s.token)) != 0))
        return ob_err_set(&ctx->err, OB_EPERM, "auth.csrf_missing");
    /* in the group of concurrent writes (SQLite), not queued behind it on the lock */
    if (now - s.seen > TOUCH_S) {
        if ((rc = ob_db_tx_group(ctx, touch, hash)) != 0)
            return rc;
        s.seen = now;
    }
    if (!hit || s.seen == now)
        cache_session(hash, &s);
    ctx->actor.person = s.person;
    ctx->actor.account = s.account;
    ctx->actor.name = s.email;
    ctx->actor.lang = s.lang;
    ctx->actor.mfa_missing = s.mfa == 0;
    ctx->actor.gen = s.gen;
    ctx->actor.gen_known = true;
    memcpy(ctx->actor.csrf, s.token, sizeof(ctx->actor.csrf));
    if (csrf)
        memcpy(csrf, s.token, OB_CSRF_LEN);
    return 0;
}

int
ob_auth_logout(struct ob_ctx *ctx, const char *secret)
{
    char hash[65];
    int rc;

    ob_auth_hash(secret, hash);
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, end_session, hash)) != 0)
        return rc;
    return 0;
}

struct switch_args {
    const char *hash;
    int64_t account;
};

static int
do_switch(struct ob_ctx *ctx, void *arg)
{
    struct switch_args *a = arg;
    int64_t n = ob_db_run(ctx->db, "UPDATE auth_sessions SET account_id = ? WHERE id_hash = ?",
                          "it", a->account, a->hash);

    /* another node's cached copy of the session still names the old account */
    return n < 0 ? ob_db_err(ctx, (int)n) : ob_principal_bump_session(ctx, a->hash);
}

int
ob_auth_switch(struct ob_ctx *ctx, const char *secret, int64_t account)
{
    struct switch_args a = { NULL, account };
    char hash[65];

    if (!ob_access_roles(ctx, account))
        return ob_err_field(&ctx->err, OB_ENOTFOUND, "account", "auth.no_such_account",
                            "account=%lld", (long long)account);
    ob_auth_hash(secret, hash);
    a.hash = hash;
    ctx->actor.account = account;
    return ob_db_tx(ctx, OB_DB_WRITE, do_switch, &a);
}

static int
token_used(struct ob_ctx *ctx, void *arg)
{
    int64_t n = ob_db_run(ctx->db, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", "ii",
                          ob_clock_now(ctx), *(int64_t *)arg);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

/* With --require-totp, a token of provider staff who have not turned the
 * second factor on does not work: a token is never stronger than the
 * sign-in that would be needed to make it. */
static int
staff_token_gate(struct ob_ctx *ctx)
{
    struct secrets s;
    int rc;

    if (!ctx->cfg || !ctx->cfg->require_totp)
        return 0;
    if ((rc = load_secrets(ctx, ctx->actor.person, &s)) != 0)
        return rc;
    if (!s.staff || s.totp_enabled)
        return 0;
    ob_err_set(&ctx->err, OB_EUNAUTH, "auth.totp_required_token");
    ob_err_hint(&ctx->err, "sign in to the cabinet and turn it on in your profile");
    return OB_EUNAUTH;
}

/* The token's row into the actor; its last use and generation into arg. */
static void
read_bearer(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    int64_t *out = arg;

    ctx->actor.person = ob_stmt_int(st, 1);
    ctx->actor.account = ob_stmt_int(st, 2);
    ctx->actor.token = ob_stmt_int(st, 0);
    if (ob_roles_parse(ob_kind_parse(ob_stmt_text(st, 4)), ob_stmt_text(st, 3),
                       &ctx->actor.token_roles, NULL) != 0)
        ctx->actor.token_roles = 0;
    ctx->actor.name = ob_stmt_dup(ctx, st, 5);
    out[0] = ob_stmt_int(st, 6);
    out[1] = ob_stmt_int(st, 7);
}

/* The cached token of hash into the actor, if its person's generation has
 * not moved (one read). *hit false: read it from the database. */
static int
cached_token(struct ob_ctx *ctx, const char *hash, struct ob_principal_token *c, bool *hit)
{
    int64_t gen;
    int rc;

    *hit = false;
    if (!ob_principal_token_get(hash, c)) {
        ob_metrics_principal_cache(OB_METRICS_CACHE_MISS);
        return 0;
    }
    rc = ob_principal_gen(ctx, c->person, &gen);
    if (rc != 0 && rc != OB_ENOTFOUND)
        return rc;
    if (rc == OB_ENOTFOUND || gen != c->gen) {
        ob_err_clear(&ctx->err);
        ob_principal_token_drop(hash);
        ob_metrics_principal_cache(OB_METRICS_CACHE_STALE);
        return 0;
    }
    ob_metrics_principal_cache(OB_METRICS_CACHE_HIT);
    ctx->actor.person = c->person;
    ctx->actor.account = c->account;
    ctx->actor.token = c->id;
    ctx->actor.token_roles = c->roles;
    ctx->actor.name = ob_arena_strdup(&ctx->arena, c->email);
    *hit = true;
    return 0;
}

int
ob_auth_bearer(struct ob_ctx *ctx, const char *token)
{
    struct ob_principal_token c;
    char hash[65];
    int64_t row[2] = { 0, 0 };     /* last use, generation */
    bool hit = false;
    int rc;

    if (strncmp(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0)
        return ob_err_set(&ctx->err, OB_EUNAUTH, "auth.token_not_valid");
    ob_auth_hash(token, hash);
    if ((rc = cached_token(ctx, hash, &c, &hit)) != 0)
        return rc;
    if (!hit) {
        rc = ob_db_one(ctx, read_bearer, row,
                       "SELECT t.id, t.person_id, t.account_id, t.roles, a.kind, p.email, "
                       "COALESCE(t.last_used_at, 0), p.auth_gen FROM api_tokens t "
                       "JOIN persons p ON p.id = t.person_id "
                       "JOIN accounts a ON a.id = t.account_id "
                       "WHERE t.secret_hash = ? AND t.revoked_at IS NULL AND p.disabled = 0",
                       "t", hash);
        if (rc != 0 && rc != OB_ENOTFOUND)
            return rc;
        if (rc == OB_ENOTFOUND || !ctx->actor.token)
            return ob_err_set(&ctx->err, OB_EUNAUTH, "auth.token_not_valid");
        memset(&c, 0, sizeof(c));
        c.gen = row[1];
        c.id = ctx->actor.token;
        c.person = ctx->actor.person;
        c.account = ctx->actor.account;
        c.roles = ctx->actor.token_roles;
        c.last_used = row[0];
    }
    ctx->actor.gen = c.gen;
    ctx->actor.gen_known = true;
    /* the gate's answer holds while the generation does (staff memberships and
     * the second factor both move it); a refusal is asked again every time */
    if (!c.gate_ok) {
        if ((rc = staff_token_gate(ctx)) != 0)
            return rc;
        if (ctx->cfg && ctx->cfg->require_totp) {
            c.gate_ok = true;
            hit = false;
        }
    }
    if (ob_clock_now(ctx) - c.last_used > TOUCH_S) {
        if ((rc = ob_db_tx_group(ctx, token_used, &ctx->actor.token)) != 0)
            return rc;
        c.last_used = ob_clock_now(ctx);
        hit = false;
    }
    if (!hit && strlen(ctx->actor.name) < sizeof(c.email)) {
        memcpy(c.email, ctx->actor.name, strlen(ctx->actor.name) + 1);
        ob_principal_token_put(hash, &c);
    }
    return 0;
}

int
ob_auth_link_send(struct ob_ctx *ctx, int64_t person, const char *purpose, const char *tmpl,
                  const char *account_name)
{
    char secret[OB_SECRET_LEN], hash[65], link[512];
    int64_t now = ob_clock_now(ctx), n;
    int hours = ctx->cfg && ctx->cfg->link_hours ? ctx->cfg->link_hours : 24;
    struct ob_person p;
    json_t *vars;
    int rc;

    if ((rc = ob_person_get(ctx, person, &p)) != 0)
        return rc;
    ob_auth_new_secret(secret);
    ob_auth_hash(secret, hash);
    /* a new link makes every earlier one of the person useless */
    n = ob_db_run(ctx->db,
                  "UPDATE person_links SET used_at = ? WHERE person_id = ? AND used_at IS NULL",
                  "ii", now, person);
    if (n >= 0)
        n = ob_db_run(ctx->db,
                      "INSERT INTO person_links (token_hash, person_id, purpose, created_at, "
                      "expires_at) VALUES (?, ?, ?, ?, ?)",
                      "titii", hash, person, purpose, now, now + (int64_t)hours * 3600);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    snprintf(link, sizeof(link), "%s/password?token=%s%s",
             ctx->cfg && ctx->cfg->public_url[0] ? ctx->cfg->public_url : "", secret,
             !strcmp(purpose, "reset") ? "&reset=1" : "");
    vars = json_pack("{s:s, s:s, s:s, s:i, s:s}", "link", link, "name",
                     *p.name ? p.name : p.email, "email", p.email, "hours", hours, "account",
                     account_name ? account_name : "");
    rc = ob_outbox_add(ctx, p.email, p.lang, tmpl, vars, 0);
    json_decref(vars);
    return rc;
}

struct reset_args {
    const char *email;
};

static int
reset_start(struct ob_ctx *ctx, void *arg)
{
    struct reset_args *a = arg;
    char key[OB_EMAIL_MAX + 8];
    struct ob_person p;
    int rc;

    snprintf(key, sizeof(key), "reset:%s", a->email);
    if ((rc = ob_ratelimit_check(ctx, key, OB_REASON("rate.password_links"))) == OB_ERATE) {
        ob_err_clear(&ctx->err);
        return 0;       /* quietly: too many links asked for this address */
    }
    if (rc != 0 || (rc = ob_ratelimit_hit(ctx, key, RESET_MAILS, WINDOW_S)) != 0)
        return rc;
    rc = ob_person_find(ctx, a->email, &p);
    if (rc == OB_ENOTFOUND || (rc == 0 && p.disabled)) {
        ob_err_clear(&ctx->err);
        return 0;
    }
    if (rc != 0)
        return rc;
    if ((rc = ob_auth_link_send(ctx, p.id, "reset", "password_reset", NULL)) != 0)
        return rc;
    return ob_audit(ctx, 0, "auth.reset_requested", "person", p.id, "password link sent");
}

int
ob_auth_reset_start(struct ob_ctx *ctx, const char *email)
{
    char norm[OB_EMAIL_MAX + 1];
    struct reset_args a = { norm };
    int rc;

    if ((rc = ob_email_normalize(ctx, email, norm, sizeof(norm), "email")) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, reset_start, &a);
}

int
ob_auth_end_other_access(struct ob_ctx *ctx, int64_t person, const char *keep_session,
                         bool keep_tokens, int *sessions, int *tokens)
{
    char hash[65] = "";
    int64_t n, t = 0;

    if (keep_session && *keep_session)
        ob_auth_hash(keep_session, hash);
    if ((n = ob_principal_bump(ctx, person)) != 0)
        return (int)n;
    n = ob_db_run(ctx->db, "DELETE FROM auth_sessions WHERE person_id = ? AND id_hash <> ?", "it",
                  person, hash);
    if (n >= 0 && !keep_tokens)
        t = ob_db_run(ctx->db,
                      "UPDATE api_tokens SET revoked_at = ? WHERE person_id = ? AND "
                      "revoked_at IS NULL",
                      "ii", ob_clock_now(ctx), person);
    if (n < 0 || t < 0)
        return ob_db_err(ctx, (int)(n < 0 ? n : t));
    *sessions = (int)n;
    *tokens = (int)t;
    return 0;
}

struct finish_args {
    const char *hash, *pwhash;
    int64_t person;
    bool keep_tokens;
};


static int
reset_finish(struct ob_ctx *ctx, void *arg)
{
    struct finish_args *a = arg;
    int sessions = 0, tokens = 0, rc;
    int64_t now = ob_clock_now(ctx);
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE person_links SET used_at = ? WHERE token_hash = ? AND "
                          "used_at IS NULL AND expires_at > ?",
                          "iti", now, a->hash, now);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "token", "auth.link_expired");
    n = ob_db_run(ctx->db,
                  "UPDATE persons SET password_hash = ?, updated_at = ?, auth_gen = auth_gen + 1 "
                  "WHERE id = ?",
                  "tii", a->pwhash, now, a->person);
    if (n >= 0)
        n = ob_db_run(ctx->db,
                      "UPDATE person_links SET used_at = ? WHERE person_id = ? AND used_at IS NULL",
                      "ii", now, a->person);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = ob_auth_end_other_access(ctx, a->person, NULL, a->keep_tokens, &sessions,
                                       &tokens)) != 0)
        return rc;
    ctx->actor.person = a->person;
    return ob_audit(ctx, 0, "auth.password_set", "person", a->person,
                    "password set by an emailed link; %d sessions ended; API tokens %s", sessions,
                    a->keep_tokens ? "kept" : ob_arena_printf(&ctx->arena, "revoked (%d)", tokens));
}

int
ob_auth_reset_finish(struct ob_ctx *ctx, const char *token, const char *password,
                     bool keep_tokens)
{
    char hash[65], pwhash[crypto_pwhash_STRBYTES];
    struct finish_args a = { hash, pwhash, 0, keep_tokens };
    struct ob_person p;
    int rc;

    if (!token || !*token)
        return ob_err_field(&ctx->err, OB_EINVAL, "token", "auth.link_token_missing");
    ob_auth_hash(token, hash);
    rc = ob_db_get_int(ctx->db, &a.person,
                       "SELECT person_id FROM person_links WHERE token_hash = ? AND "
                       "used_at IS NULL AND expires_at > ?",
                       "ti", hash, ob_clock_now(ctx));
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return ob_err_field(&ctx->err, OB_EINVAL, "token", "auth.link_expired");
    if ((rc = ob_person_get(ctx, a.person, &p)) != 0 ||
        (rc = ob_password_check(ctx, password, p.email, "password")) != 0 ||
        (rc = ob_password_hash(ctx, password, pwhash, sizeof(pwhash))) != 0)
        return rc;
    ctx->actor.name = p.email;
    rc = ob_db_tx(ctx, OB_DB_WRITE, reset_finish, &a);
    sodium_memzero(pwhash, sizeof(pwhash));
    return rc;
}

struct totp_args {
    const char *secret;         /* set-up: the new secret */
    bool enable;
    int64_t person, step;       /* confirm, switch-off: the code's step to take */
};

static int
totp_set(struct ob_ctx *ctx, void *arg)
{
    struct totp_args *a = arg;
    int64_t n;
    int rc;

    if (a->secret) {
        n = ob_db_run(ctx->db,
                      "UPDATE persons SET totp_secret = ?, totp_enabled = 0, totp_last_step = 0, "
                      "updated_at = ?, auth_gen = auth_gen + 1 WHERE id = ? AND totp_enabled = 0",
                      "tii", a->secret, ob_clock_now(ctx), a->person);
        if (n == 0)
            return ob_err_set(&ctx->err, OB_ECONFLICT, "auth.totp_already_on");
    } else {
        if ((rc = totp_claim(ctx, a->person, a->step, "code")) != 0)
            return rc;
        n = ob_db_run(ctx->db,
                      "UPDATE persons SET totp_enabled = ?, updated_at = ?, totp_secret = "
                      "CASE WHEN ? = 1 THEN totp_secret ELSE NULL END, auth_gen = auth_gen + 1 "
                      "WHERE id = ?",
                      "iiii", (int64_t)a->enable, ob_clock_now(ctx), (int64_t)a->enable,
                      a->person);
        if (n >= 0 && a->enable)
            n = ob_db_run(ctx->db, "UPDATE auth_sessions SET mfa_ok = 1 WHERE person_id = ?", "i",
                          a->person);
    }
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit(ctx, 0, a->secret ? "auth.totp_started" : (a->enable ? "auth.totp_on"
                                                                          : "auth.totp_off"),
                    "person", a->person, "%s",
                    a->secret ? "second factor being set up"
                              : (a->enable ? "second factor turned on" : "second factor turned off"));
}

int
ob_auth_totp_start(struct ob_ctx *ctx, char *secret32, size_t size, char *uri, size_t usize)
{
    struct totp_args a = { NULL, false, ctx->actor.person, 0 };
    struct ob_person p;
    char raw[20], *enc = NULL;
    size_t len = 0;
    int rc;

    if ((rc = ob_access_session(ctx)) != 0 ||
        (rc = ob_person_get(ctx, ctx->actor.person, &p)) != 0)
        return rc;
    randombytes_buf(raw, sizeof(raw));
    if (oath_base32_encode(raw, sizeof(raw), &enc, &len) != OATH_OK)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "auth.totp_encode_failed");
    snprintf(secret32, size, "%.*s", (int)strcspn(enc, "="), enc);
    free(enc);
    snprintf(uri, usize, "otpauth://totp/Oblako:%s?secret=%s&issuer=Oblako&digits=6&period=30",
             p.email, secret32);
    a.secret = secret32;
    return ob_db_tx(ctx, OB_DB_WRITE, totp_set, &a);
}

/* A code given to turn the second factor on or off: a guess, counted on the
 * person's sign-in limit before it is checked. *step receives its time
 * step. */
static int
totp_code_check(struct ob_ctx *ctx, const char *code, bool want_enabled, int64_t *step)
{
    struct secrets s;
    bool right;
    int rc;

    if ((rc = ob_access_session(ctx)) != 0 ||
        (rc = load_secrets(ctx, ctx->actor.person, &s)) != 0)
        return rc;
    if (!s.totp || s.totp_enabled != want_enabled)
        return ob_err_set(&ctx->err, OB_ECONFLICT,
                          want_enabled ? "auth.totp_not_on" : "auth.totp_setup_first");
    if ((rc = ob_auth_guess_begin(ctx, s.email)) != 0)
        return rc;
    *step = totp_step(s.totp, code, ob_clock_now(ctx));
    right = *step > s.totp_last_step;
    if ((rc = ob_auth_guess_end(ctx, s.email, right)) != 0)
        return rc;
    if (!right)
        return ob_err_field(&ctx->err, OB_EINVAL, "code", "auth.totp_wrong");
    return 0;
}

static int
totp_switch(struct ob_ctx *ctx, const char *code, bool enable)
{
    struct totp_args a = { NULL, enable, ctx->actor.person, 0 };
    int rc = totp_code_check(ctx, code, !enable, &a.step);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, totp_set, &a);
}

int
ob_auth_totp_confirm(struct ob_ctx *ctx, const char *code)
{
    return totp_switch(ctx, code, true);
}

int
ob_auth_totp_disable(struct ob_ctx *ctx, const char *code)
{
    return totp_switch(ctx, code, false);
}
