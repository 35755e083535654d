/*
 * transfer.c — a client's move to another partner, step by step (R-TRF-1).
 *
 * A transfer lives in its own table beside the requests (it has two partners
 * and four steps, where a request has one filer and one decision); the
 * provider's cabinet shows both on its Requests page. Each step claims the
 * row with one conditional UPDATE on the state it read, so of two parallel
 * decisions one wins and the other is a conflict. The letter is a BLOB in
 * the database with its SHA-256, so every node serves the same bytes; its
 * type is read from its first bytes, never from its name or the client's
 * Content-Type. Whether the current partner answered in time is not stored:
 * it is read against the clock, so silence becomes agreement at the deadline
 * without a job.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/ctx.h"
#include "db/db.h"
#include "model/areas/grant.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/core/outbox.h"
#include "model/identity/access.h"
#include "model/identity/mailpref.h"
#include "model/identity/role.h"
#include "model/parties/requisites.h"
#include "model/requests/transfer.h"
#include "base/banned.h"

#define TRANSFER_SELECT                                                                        \
    "SELECT t.id, t.subscriber_id, s.code, sa.name, t.from_partner_id, fa.name, "            \
    "t.to_partner_id, ta.name, t.letter_id, t.reason, t.state, COALESCE(t.filed_by, 0), "     \
    "COALESCE(p.email, ''), t.filed_at, COALESCE(t.forwarded_at, 0), "                       \
    "COALESCE(t.answer_due, 0), COALESCE(t.answer, ''), t.answer_comment, "                  \
    "COALESCE(t.answered_at, 0), COALESCE(t.decided_at, 0), t.decision_note, l.file_name, "  \
    "l.content_type, l.sha256, l.size "                                                       \
    "FROM transfers t JOIN subscribers s ON s.account_id = t.subscriber_id "                  \
    "JOIN accounts sa ON sa.id = t.subscriber_id "                                            \
    "JOIN accounts fa ON fa.id = t.from_partner_id "                                          \
    "JOIN accounts ta ON ta.id = t.to_partner_id "                                            \
    "JOIN transfer_letters l ON l.id = t.letter_id "                                          \
    "LEFT JOIN persons p ON p.id = t.filed_by "

const char *
ob_transfer_letter_type(const unsigned char *d, size_t n)
{
    if (n >= 5 && !memcmp(d, "%PDF-", 5))
        return "application/pdf";
    if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
        return "image/jpeg";
    if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
        return "image/png";
    return NULL;
}

/* What the current partner's silence or answer amounts to now. */
static const char *
answer_state(struct ob_ctx *ctx, const struct ob_transfer *t)
{
    if (!t->forwarded_at)
        return "";
    if (!strcmp(t->answer, "agree"))
        return "agreed";
    if (!strcmp(t->answer, "object"))
        return "objected";
    return ob_clock_now(ctx) >= t->answer_due ? "silent" : "waiting";
}

static void
read_transfer(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_transfer *t = out;

    t->id = ob_stmt_int(st, 0);
    t->subscriber = ob_stmt_int(st, 1);
    t->subscriber_code = ob_stmt_int(st, 2);
    t->subscriber_name = ob_stmt_dup(ctx, st, 3);
    t->from_partner = ob_stmt_int(st, 4);
    t->from_name = ob_stmt_dup(ctx, st, 5);
    t->to_partner = ob_stmt_int(st, 6);
    t->to_name = ob_stmt_dup(ctx, st, 7);
    t->letter = ob_stmt_int(st, 8);
    t->reason = ob_stmt_dup(ctx, st, 9);
    t->state = ob_stmt_dup(ctx, st, 10);
    t->filed_by = ob_stmt_int(st, 11);
    t->filed_by_email = ob_stmt_dup(ctx, st, 12);
    t->filed_at = ob_stmt_int(st, 13);
    t->forwarded_at = ob_stmt_int(st, 14);
    t->answer_due = ob_stmt_int(st, 15);
    t->answer = ob_stmt_dup(ctx, st, 16);
    t->answer_comment = ob_stmt_dup(ctx, st, 17);
    t->answered_at = ob_stmt_int(st, 18);
    t->decided_at = ob_stmt_int(st, 19);
    t->decision_note = ob_stmt_dup(ctx, st, 20);
    t->letter_name = ob_stmt_dup(ctx, st, 21);
    t->letter_type = ob_stmt_dup(ctx, st, 22);
    t->letter_sha256 = ob_stmt_dup(ctx, st, 23);
    t->letter_size = ob_stmt_int(st, 24);
    t->answer_state = answer_state(ctx, t);
}

static int
not_found(struct ob_ctx *ctx, int64_t id)
{
    return ob_err_set(&ctx->err, OB_ENOTFOUND, "transfer.not_found", "id=%lld", (long long)id);
}

static int
load(struct ob_ctx *ctx, int64_t id, struct ob_transfer *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_transfer, out, TRANSFER_SELECT "WHERE t.id = ?", "i", id);
    return rc == OB_ENOTFOUND ? not_found(ctx, id) : rc;
}

/* The new partner's people and provider staff see a transfer; the current
 * partner's once it is forwarded to them. Anyone else: not found. */
static int
visible(struct ob_ctx *ctx, const struct ob_transfer *t)
{
    int rc = ob_access_partner(ctx, t->to_partner, OB_ROLES_ANY, OB_ROLES_ANY);

    if (rc == OB_ENOTFOUND && t->forwarded_at)
        rc = ob_access_partner(ctx, t->from_partner, OB_ROLES_ANY, OB_ROLES_ANY);
    return rc == OB_ENOTFOUND ? not_found(ctx, t->id) : rc;
}

/* ---- the audit and the mail of each step --------------------------------------------- */

/* What a step's audit sentence needs (web/pages/sentences.js): the client
 * by name and code, both partners, the reason, and the step's own text
 * (the objection's comment, the decision's note) under `key`. */
static json_t *
params(struct ob_ctx *ctx, const struct ob_transfer *t, const char *key, const char *text)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s}", "subscriber", t->subscriber_name, "code",
                          ob_arena_printf(&ctx->arena, "FR%lld", (long long)t->subscriber_code),
                          "from_partner", t->from_name, "to_partner", t->to_name, "reason",
                          t->reason);

    if (p && key && text && *text)
        json_object_set_new(p, key, json_string(text));
    return p;
}

/* The record's summary: the client, both partners and what happened. */
static const char *
summary(struct ob_ctx *ctx, const struct ob_transfer *t, const char *step, const char *text)
{
    return ob_arena_printf(&ctx->arena, "transfer of FR%lld '%s' from '%s' to '%s': %s%s%s",
                           (long long)t->subscriber_code, t->subscriber_name, t->from_name,
                           t->to_name, step, text && *text ? "; " : "", text ? text : "");
}

/* The step's words in the mail, by language. */
static const char *
step_words(const char *step, bool en)
{
    static const struct {
        const char *step, *ru, *en;
    } w[] = {
        { "filed", "запрос подан поставщику сервиса", "the request was filed with the provider" },
        { "forwarded", "запрос направлен действующему партнёру",
          "the request was forwarded to the current partner" },
        { "agree", "действующий партнёр согласен", "the current partner agrees" },
        { "object", "действующий партнёр возражает", "the current partner objects" },
        { "approved", "перевод одобрен: абонента обслуживает новый партнёр",
          "the transfer was approved: the new partner serves the client" },
        { "rejected", "перевод отклонён", "the transfer was rejected" },
    };

    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
        if (!strcmp(w[i].step, step))
            return en ? w[i].en : w[i].ru;
    return step;
}

struct mail_args {
    const struct ob_transfer *t;
    const char *step, *detail;
    int64_t account;
};

static int
mail_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct mail_args *m = arg;
    int64_t person = ob_stmt_int(st, 0);
    const char *roles = ob_stmt_dup(ctx, st, 1);
    bool en = !strcmp(ob_stmt_dup(ctx, st, 2), "en");
    unsigned bits = 0;
    json_t *vars = json_pack("{s:s, s:s, s:s, s:s, s:s}", "subscriber",
                             ob_arena_printf(&ctx->arena, "%s (FR%lld)", m->t->subscriber_name,
                                             (long long)m->t->subscriber_code),
                             "from", m->t->from_name, "to", m->t->to_name, "step",
                             step_words(m->step, en), "detail", m->detail ? m->detail : "");
    int rc;

    (void)ob_roles_parse(OB_KIND_PARTNER, roles, &bits, NULL);
    /* the owner always learns where its client goes; an operator may turn
     * the steps off (docs/events.md) */
    rc = ob_mail_person(ctx, person, (bits & OB_ROLE_OWNER) ? NULL : "transfer.step",
                        "transfer_step", vars, m->account, NULL);
    json_decref(vars);
    return rc;
}

/* Mail the owners and operators of `account` about the step, and record the
 * event "transfer.step" for that partner (docs/events.md). */
static int
mail_partner(struct ob_ctx *ctx, int64_t account, const struct ob_transfer *t, const char *step,
             const char *detail)
{
    struct mail_args m = { t, step, detail, account };
    json_t *data = json_pack("{s:I, s:s, s:I, s:I, s:s, s:I, s:I, s:s, s:s}", "transfer",
                             (json_int_t)t->id, "step", step, "subscriber",
                             (json_int_t)t->subscriber, "subscriber_code",
                             (json_int_t)t->subscriber_code, "subscriber_name",
                             t->subscriber_name, "from_partner", (json_int_t)t->from_partner,
                             "to_partner", (json_int_t)t->to_partner, "side",
                             account == t->to_partner ? "to" : "from", "comment",
                             detail ? detail : "");
    int rc = ob_event_emit(ctx, "transfer.step", account, t->subscriber, data, NULL);

    json_decref(data);
    if (rc != 0)
        return rc;
    return ob_db_each(ctx, mail_row, &m,
                      "SELECT p.id, m.roles, p.lang FROM memberships m "
                      "JOIN persons p ON p.id = m.person_id WHERE m.account_id = ? "
                      "AND p.disabled = 0 AND (',' || m.roles || ',' LIKE '%,owner,%' "
                      "OR ',' || m.roles || ',' LIKE '%,operator,%') ORDER BY p.id",
                      "i", account);
}

static int
mail_both(struct ob_ctx *ctx, const struct ob_transfer *t, const char *step, const char *detail)
{
    int rc = mail_partner(ctx, t->to_partner, t, step, detail);

    return rc ? rc : mail_partner(ctx, t->from_partner, t, step, detail);
}

/* ---- the letter ---------------------------------------------------------------------- */

struct letter_args {
    int64_t partner;
    const char *name, *type;
    const unsigned char *data;
    size_t len;
    char sha[crypto_hash_sha256_BYTES * 2 + 1];
    int64_t id;
};

static int
insert_letter(struct ob_ctx *ctx, void *arg)
{
    struct letter_args *a = arg;
    struct ob_stmt *st;
    int rc = ob_db_prepare(ctx->db,
                           "INSERT INTO transfer_letters (partner_id, uploaded_by, uploaded_at, "
                           "file_name, content_type, size, sha256, data) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                           &st);

    if (rc != 0)
        return ob_db_err(ctx, rc);
    rc = ob_stmt_bindf(st, "iziitit", a->partner, ctx->actor.person, ob_clock_now(ctx),
                       a->name, a->type, (int64_t)a->len, a->sha);
    if (rc == 0)
        rc = ob_stmt_bind_blob(st, 8, a->data, a->len);
    if (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        a->id = ob_stmt_int(st, 0);
        rc = 0;
    } else if (rc == OB_DB_DONE) {
        rc = OB_EINTERNAL;
    }
    ob_stmt_finalize(st);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

int
ob_transfer_letter_add(struct ob_ctx *ctx, int64_t partner, const char *file_name,
                       const unsigned char *data, size_t len, struct ob_transfer_letter *out)
{
    struct letter_args a = { partner, file_name ? file_name : "", NULL, data, len, "", 0 };
    unsigned char h[crypto_hash_sha256_BYTES];
    int rc;

    if ((rc = ob_access_partner(ctx, partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR, 0)) != 0)
        return rc;
    if (strlen(a.name) > 200 || (rc = ob_check_text(ctx, a.name, 200, false, "name")) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "name", "transfer.letter_name");
    if (len == 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "letter", "transfer.letter_empty");
    if (len > OB_TRANSFER_LETTER_MAX)
        return ob_err_field(&ctx->err, OB_EINVAL, "letter", "transfer.letter_too_large",
                            "max_mb=%d", OB_TRANSFER_LETTER_MAX / (1024 * 1024));
    if (!(a.type = ob_transfer_letter_type(data, len)))
        return ob_err_field(&ctx->err, OB_EINVAL, "letter", "transfer.letter_type");
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(a.sha, sizeof(a.sha), h, sizeof(h));
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, insert_letter, &a)) != 0)
        return rc;
    *out = (struct ob_transfer_letter){ a.id, partner, (int64_t)len, ob_clock_now(ctx), a.name,
                                        a.type, ob_arena_strdup(&ctx->arena, a.sha) };
    return 0;
}

/* ---- filing -------------------------------------------------------------------------- */

struct file_args {
    int64_t partner, letter, code, id;
    const char *code_text, *reason;
};

struct client {
    int64_t id, partner, own;
};

static void
read_client(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct client *c = out;

    (void)ctx;
    c->id = ob_stmt_int(st, 0);
    c->partner = ob_stmt_int(st, 1);
    c->own = ob_stmt_int(st, 2);
}

static int
file_tx(struct ob_ctx *ctx, void *arg)
{
    struct file_args *a = arg;
    struct ob_transfer t;
    struct client c = { 0 };
    int64_t n = 0;
    int rc = ob_db_get_int(ctx->db, &n,
                           "SELECT COUNT(*) FROM transfer_letters l WHERE l.id = ? AND "
                           "l.partner_id = ? AND NOT EXISTS "
                           "(SELECT 1 FROM transfers t WHERE t.letter_id = l.id)",
                           "ii", a->letter, a->partner);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (n == 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "letter", "transfer.letter_unknown");
    rc = ob_db_one(ctx, read_client, &c,
                   "SELECT account_id, COALESCE(partner_id, 0), COALESCE(own_partner_id, 0) "
                   "FROM subscribers WHERE code = ?",
                   "i", a->code);
    if (rc == OB_ENOTFOUND)
        return ob_err_field(&ctx->err, OB_EINVAL, "subscriber", "transfer.subscriber_unknown",
                            "code=%s", a->code_text);
    if (rc != 0)
        return rc;
    if (c.own)
        return ob_err_field(&ctx->err, OB_EINVAL, "subscriber", "transfer.partner_own",
                            "code=%s", a->code_text);
    if (!c.partner)
        return ob_err_field(&ctx->err, OB_EINVAL, "subscriber", "transfer.no_partner",
                            "code=%s", a->code_text);
    if (c.partner == a->partner)
        return ob_err_field(&ctx->err, OB_EINVAL, "subscriber", "transfer.already_served",
                            "code=%s", a->code_text);
    /* one open transfer per client, also under parallel filings */
    if ((rc = ob_db_lock_row(ctx->db, "subscribers", "account_id", c.id, false)) < 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_db_get_int(ctx->db, &n,
                            "SELECT COUNT(*) FROM transfers WHERE subscriber_id = ? "
                            "AND state IN ('filed', 'forwarded')",
                            "i", c.id)) < 0)
        return ob_db_err(ctx, rc);
    if (n > 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "transfer.open_exists", "code=%s",
                          a->code_text);
    rc = ob_db_get_int(ctx->db, &a->id,
                       "INSERT INTO transfers (subscriber_id, from_partner_id, to_partner_id, "
                       "letter_id, reason, filed_by, filed_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                       "RETURNING id",
                       "iiiitzi", c.id, c.partner, a->partner, a->letter, a->reason,
                       ctx->actor.person, ob_clock_now(ctx));
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = load(ctx, a->id, &t)) != 0 ||
        (rc = ob_audit_with(ctx, t.to_partner, "transfer.filed", "transfer", t.id,
                            params(ctx, &t, NULL, NULL), "%s",
                            summary(ctx, &t, "filed", t.reason))) != 0)
        return rc;
    /* the current partner hears of it from the provider's forwarding */
    return mail_partner(ctx, t.to_partner, &t, "filed", t.reason);
}

/* "FR1234", "fr1234" or "1234": the code; 0 when it is none. */
static int64_t
parse_code(const char *s)
{
    int64_t v = 0;
    int digits = 0;

    if (!s)
        return 0;
    if ((s[0] == 'F' || s[0] == 'f') && (s[1] == 'R' || s[1] == 'r'))
        s += 2;
    for (; *s; s++, digits++) {
        if (*s < '0' || *s > '9' || digits >= 15)
            return 0;
        v = v * 10 + (*s - '0');
    }
    return v;
}

int
ob_transfer_file(struct ob_ctx *ctx, int64_t partner, const char *code, const char *reason,
                 int64_t letter, struct ob_transfer *out)
{
    struct file_args a = { partner, letter, parse_code(code), 0, code, reason };
    int rc;

    if ((rc = ob_access_partner(ctx, partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR, 0)) != 0)
        return rc;
    if (!a.code)
        return ob_err_field(&ctx->err, OB_EINVAL, "subscriber", "transfer.subscriber_code");
    if ((rc = ob_check_text(ctx, reason, 1000, true, "reason")) != 0)
        return rc;
    if (letter <= 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "letter", "transfer.letter_unknown");
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, file_tx, &a)) != 0)
        return rc;
    return load(ctx, a.id, out);
}

/* ---- reading ------------------------------------------------------------------------- */

struct get_args {
    int64_t id;
    struct ob_transfer *out;
};

static int
get_tx(struct ob_ctx *ctx, void *arg)
{
    struct get_args *g = arg;
    int rc = load(ctx, g->id, g->out);

    return rc ? rc : visible(ctx, g->out);
}

int
ob_transfer_get(struct ob_ctx *ctx, int64_t id, struct ob_transfer *out)
{
    struct get_args g = { id, out };
    int rc = ob_access_person(ctx);

    return rc ? rc : ob_db_tx(ctx, OB_DB_READ, get_tx, &g);
}

struct list_fn {
    int (*fn)(const struct ob_transfer *, void *);
    void *arg;
};

static int
list_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct list_fn *f = arg;
    struct ob_transfer t;

    read_transfer(ctx, st, &t);
    return f->fn(&t, f->arg);
}

int
ob_transfer_list(struct ob_ctx *ctx, const struct ob_transfer_filter *f, int64_t after,
                 int limit, int (*fn)(const struct ob_transfer *, void *), void *arg)
{
    static const char *const states[] = { "open", "filed", "forwarded", "approved", "rejected",
                                          NULL };
    struct list_fn l = { fn, arg };
    const char *to, *from, *state = f->state ? f->state : "";
    bool known = !*state;
    int rc;

    for (int i = 0; states[i]; i++)
        known = known || !strcmp(state, states[i]);
    if (!known)
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "field.transfer_state");
    if ((rc = ob_access_scope(ctx, "t.to_partner_id", NULL, &to)) != 0 ||
        (rc = ob_access_scope(ctx, "t.from_partner_id", NULL, &from)) != 0)
        return rc;
    return ob_db_each(
        ctx, list_row, &l,
        ob_arena_printf(&ctx->arena,
                        TRANSFER_SELECT
                        "WHERE (%s OR (%s AND t.forwarded_at IS NOT NULL)) "
                        "AND (? = 0 OR t.id < ?) AND (? = 0 OR t.to_partner_id = ? OR "
                        "t.from_partner_id = ?) AND (? = '' OR t.state = ? OR (? = 'open' AND "
                        "t.state IN ('filed', 'forwarded'))) ORDER BY t.id DESC LIMIT ?",
                        to, from),
        "iiiiittti", after, after, f->partner, f->partner, f->partner, state, state, state,
        (int64_t)limit);
}

/* ---- the steps ----------------------------------------------------------------------- */

struct step_args {
    int64_t id;
    const char *what, *comment;
    struct ob_transfer *out;
};

static int
wrong_state(struct ob_ctx *ctx, const struct ob_transfer *t)
{
    return ob_err_set(&ctx->err, OB_ECONFLICT, "transfer.wrong_state", "id=%lld state=%s",
                      (long long)t->id, t->state);
}

static int
claimed(struct ob_ctx *ctx, int64_t n, int64_t id)
{
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return n == 0 ? ob_err_set(&ctx->err, OB_ECONFLICT, "transfer.already_decided", "id=%lld",
                               (long long)id)
                  : 0;
}

static int
forward_tx(struct ob_ctx *ctx, void *arg)
{
    struct step_args *a = arg;
    struct ob_transfer *t = a->out;
    int days = ctx->cfg && ctx->cfg->transfer_answer_days ? ctx->cfg->transfer_answer_days : 5;
    int64_t now = ob_clock_now(ctx);
    int rc;

    if ((rc = load(ctx, a->id, t)) != 0)
        return rc;
    if (strcmp(t->state, "filed"))
        return wrong_state(ctx, t);
    rc = claimed(ctx,
                 ob_db_run(ctx->db,
                           "UPDATE transfers SET state = 'forwarded', forwarded_by = ?, "
                           "forwarded_at = ?, answer_due = ? WHERE id = ? AND state = 'filed'",
                           "ziii", ctx->actor.person, now, now + (int64_t)days * 86400, a->id),
                 a->id);
    if (rc != 0 || (rc = load(ctx, a->id, t)) != 0 ||
        (rc = ob_audit_with(ctx, t->to_partner, "transfer.forwarded", "transfer", t->id,
                            params(ctx, t, NULL, NULL), "%s",
                            summary(ctx, t, "forwarded", NULL))) != 0)
        return rc;
    return mail_both(ctx, t, "forwarded", t->reason);
}

int
ob_transfer_forward(struct ob_ctx *ctx, int64_t id, struct ob_transfer *out)
{
    struct step_args a = { id, NULL, NULL, out };
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, forward_tx, &a);
}

static int
answer_tx(struct ob_ctx *ctx, void *arg)
{
    struct step_args *a = arg;
    struct ob_transfer *t = a->out;
    int rc;

    if ((rc = load(ctx, a->id, t)) != 0 || (rc = visible(ctx, t)) != 0)
        return rc;
    rc = ob_access_partner(ctx, t->from_partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR, 0);
    if (rc == OB_ENOTFOUND)     /* the new partner sees it, but it is not theirs to answer */
        return ob_err_set(&ctx->err, OB_EPERM, "transfer.not_current_partner", "id=%lld",
                          (long long)a->id);
    if (rc != 0)
        return rc;
    if (strcmp(t->state, "forwarded"))
        return wrong_state(ctx, t);
    if (*t->answer)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "transfer.answered", "id=%lld",
                          (long long)a->id);
    if (!strcmp(t->answer_state, "silent"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "transfer.answer_late", "id=%lld",
                          (long long)a->id);
    rc = claimed(ctx,
                 ob_db_run(ctx->db,
                           "UPDATE transfers SET answer = ?, answer_comment = ?, "
                           "answered_by = ?, answered_at = ? WHERE id = ? "
                           "AND state = 'forwarded' AND answer IS NULL",
                           "ttzii", a->what, a->comment, ctx->actor.person, ob_clock_now(ctx),
                           a->id),
                 a->id);
    if (rc != 0 || (rc = load(ctx, a->id, t)) != 0 ||
        (rc = ob_audit_with(ctx, t->from_partner,
                            !strcmp(a->what, "agree") ? "transfer.agreed" : "transfer.objected",
                            "transfer", t->id, params(ctx, t, "comment", a->comment), "%s",
                            summary(ctx, t, a->what, a->comment))) != 0)
        return rc;
    return mail_both(ctx, t, a->what, a->comment);
}

int
ob_transfer_answer(struct ob_ctx *ctx, int64_t id, const char *answer, const char *comment,
                   struct ob_transfer *out)
{
    struct step_args a = { id, answer, comment ? comment : "", out };
    int rc = ob_access_person(ctx);

    if (rc != 0)
        return rc;
    if (!answer || (strcmp(answer, "agree") && strcmp(answer, "object")))
        return ob_err_field(&ctx->err, OB_EINVAL, "answer", "transfer.answer_format");
    if ((rc = ob_check_text(ctx, a.comment, 1000, !strcmp(answer, "object"), "comment")) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, answer_tx, &a);
}

/* Approval: the client is the new partner's from now on; the old partner's
 * employees' grants to its areas end with their sessions. */
static int
move_client(struct ob_ctx *ctx, const struct ob_transfer *t)
{
    int ended = 0;
    int64_t n;
    int rc = ob_db_lock_row(ctx->db, "subscribers", "account_id", t->subscriber, false);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    n = ob_db_run(ctx->db,
                  "UPDATE subscribers SET partner_id = ? WHERE account_id = ? AND partner_id = ?",
                  "iii", t->to_partner, t->subscriber, t->from_partner);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)     /* served by someone else since it was filed */
        return ob_err_set(&ctx->err, OB_ECONFLICT, "transfer.partner_changed", "id=%lld",
                          (long long)t->id);
    if ((rc = ob_grant_end_for(ctx, t->from_partner, 0, t->subscriber, "partner_changed",
                               &ended)) != 0)
        return rc;
    return ob_audit_with(ctx, t->subscriber, "subscriber.partner_changed", "subscriber",
                         t->subscriber,
                         json_pack("{s:s, s:s}", "from_partner", t->from_name, "to_partner",
                                   t->to_name),
                         "serving partner changed from '%s' to '%s' (transfer %lld; %d grants "
                         "ended)",
                         t->from_name, t->to_name, (long long)t->id, ended);
}

static int
decide_tx(struct ob_ctx *ctx, void *arg)
{
    struct step_args *a = arg;
    struct ob_transfer *t = a->out;
    bool approve = !strcmp(a->what, "approve");
    const char *was;
    int rc;

    if ((rc = load(ctx, a->id, t)) != 0)
        return rc;
    if (strcmp(t->state, "filed") && strcmp(t->state, "forwarded"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "transfer.already_decided", "id=%lld",
                          (long long)a->id);
    if (approve && (strcmp(t->state, "forwarded") || !strcmp(t->answer_state, "waiting")))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "transfer.awaiting_answer", "id=%lld",
                          (long long)a->id);
    was = t->state;
    rc = claimed(ctx,
                 ob_db_run(ctx->db,
                           "UPDATE transfers SET state = ?, decided_by = ?, decided_at = ?, "
                           "decision_note = ? WHERE id = ? AND state = ?",
                           "tzitit", approve ? "approved" : "rejected", ctx->actor.person,
                           ob_clock_now(ctx), a->comment, a->id, was),
                 a->id);
    if (rc != 0 || (approve && (rc = move_client(ctx, t)) != 0) ||
        (rc = load(ctx, a->id, t)) != 0 ||
        (rc = ob_audit_with(ctx, t->to_partner,
                            approve ? "transfer.approved" : "transfer.rejected", "transfer",
                            t->id, params(ctx, t, "note", a->comment), "%s",
                            summary(ctx, t, t->state, a->comment))) != 0)
        return rc;
    /* a transfer rejected before forwarding stays unknown to the current partner */
    return !strcmp(was, "filed") ? mail_partner(ctx, t->to_partner, t, t->state, a->comment)
                                 : mail_both(ctx, t, t->state, a->comment);
}

int
ob_transfer_decide(struct ob_ctx *ctx, int64_t id, const char *decision, const char *note,
                   struct ob_transfer *out)
{
    struct step_args a = { id, decision, note ? note : "", out };
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR);

    if (rc != 0)
        return rc;
    if (!decision || (strcmp(decision, "approve") && strcmp(decision, "reject")))
        return ob_err_field(&ctx->err, OB_EINVAL, "decision", "transfer.decision_format");
    if ((rc = ob_check_text(ctx, a.comment, 1000, false, "note")) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, decide_tx, &a);
}

/* ---- the letter's bytes -------------------------------------------------------------- */

struct read_args {
    int64_t id;
    struct ob_transfer *t;
    unsigned char *data;
    size_t len;
};

static int
read_tx(struct ob_ctx *ctx, void *arg)
{
    struct read_args *a = arg;
    struct ob_stmt *st;
    int rc;

    if ((rc = load(ctx, a->id, a->t)) != 0 || (rc = visible(ctx, a->t)) != 0)
        return rc;
    if ((rc = ob_db_prepare(ctx->db, "SELECT data FROM transfer_letters WHERE id = ?", &st)))
        return ob_db_err(ctx, rc);
    rc = ob_stmt_bindf(st, "i", a->t->letter);
    if (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        free(a->data);
        a->data = ob_stmt_blob(st, 0, &a->len);
        rc = 0;
    } else if (rc == OB_DB_DONE) {
        rc = OB_EINTERNAL;
    }
    ob_stmt_finalize(st);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

int
ob_transfer_letter_read(struct ob_ctx *ctx, int64_t transfer, struct ob_transfer *t,
                        unsigned char **data, size_t *len)
{
    struct read_args a = { transfer, t, NULL, 0 };
    int rc = ob_access_person(ctx);

    if (rc == 0)
        rc = ob_db_tx(ctx, OB_DB_READ, read_tx, &a);
    if (rc != 0) {
        free(a.data);
        return rc;
    }
    *data = a.data;
    *len = a.len;
    return 0;
}

int
ob_transfer_letters_prune(struct ob_ctx *ctx, int64_t before, int64_t *n)
{
    *n = ob_db_run(ctx->db,
                   "DELETE FROM transfer_letters WHERE uploaded_at < ? AND NOT EXISTS "
                   "(SELECT 1 FROM transfers t WHERE t.letter_id = transfer_letters.id)",
                   "i", before);
    return *n < 0 ? ob_db_err(ctx, (int)*n) : 0;
}
