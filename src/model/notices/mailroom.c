/*
 * mailroom.c — the reminders sent and the outbox, as their readers may see
 * them (mailroom.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "model/core/outbox.h"
#include "model/identity/access.h"
#include "model/notices/mailroom.h"
#include "base/banned.h"

#define STAFF (OB_ROLE_ADMIN | OB_ROLE_OPERATOR | OB_ROLE_AUDITOR | OB_ROLE_SUPPORT)
#define MANAGERS (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR)

/* ---- reminders ------------------------------------------------------- */

#define REMINDER_COLS                                                                          \
    "SELECT r.id, r.subscriber_id, a.name, s.code, r.chain, r.end_key, r.offset_days, "       \
    "r.last_day, r.due_day, r.sent_day, r.state, r.late, r.created_at, m.outbox_id, "         \
    "m.person_id, o.to_addr, p.name, o.state, o.sent_at "                                      \
    "FROM reminders r JOIN accounts a ON a.id = r.subscriber_id "                              \
    "JOIN subscribers s ON s.account_id = r.subscriber_id "                                    \
    "LEFT JOIN reminder_mails m ON m.reminder_id = r.id "                                      \
    "LEFT JOIN outbox o ON o.id = m.outbox_id LEFT JOIN persons p ON p.id = m.person_id "

/* Rows come one per mail of a reminder; a reminder goes to fn when its
 * last mail has been read. */
struct group {
    ob_reminder_fn fn;
    void *arg;
    struct ob_reminder_view cur;
    struct ob_reminder_mail *mails;
    int cap;
    bool open;
};

static int
flush(struct group *g)
{
    int rc;

    if (!g->open)
        return 0;
    g->cur.mails = g->mails;
    rc = g->fn(&g->cur, g->arg);
    g->open = false;
    g->cur.nmails = 0;
    return rc;
}

static int
reminder_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct group *g = arg;
    int64_t id = ob_stmt_int(st, 0);
    int rc;

    if (!g->open || g->cur.id != id) {
        if ((rc = flush(g)) != 0)
            return rc;
        memset(&g->cur, 0, sizeof(g->cur));
        g->cur.id = id;
        g->cur.subscriber = ob_stmt_int(st, 1);
        g->cur.subscriber_name = ob_stmt_dup(ctx, st, 2);
        g->cur.code = ob_stmt_int(st, 3);
        g->cur.chain = ob_stmt_dup(ctx, st, 4);
        g->cur.end_key = ob_stmt_dup(ctx, st, 5);
        g->cur.offset_days = (int)ob_stmt_int(st, 6);
        g->cur.last_day = ob_stmt_dup(ctx, st, 7);
        g->cur.due_day = ob_stmt_dup(ctx, st, 8);
        g->cur.sent_day = ob_stmt_dup(ctx, st, 9);
        g->cur.state = ob_stmt_dup(ctx, st, 10);
        g->cur.late = ob_stmt_int(st, 11) != 0;
        g->cur.created_at = ob_stmt_int(st, 12);
        g->open = true;
    }
    if (ob_stmt_null(st, 13))
        return 0;
    if (g->cur.nmails == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 4;
        g->mails = ob_xrealloc(g->mails, (size_t)g->cap * sizeof(*g->mails));
    }
    g->mails[g->cur.nmails++] = (struct ob_reminder_mail){
        .outbox = ob_stmt_int(st, 13),
        .person = ob_stmt_int(st, 14),
        .to = ob_stmt_dup(ctx, st, 15),
        .name = ob_stmt_dup(ctx, st, 16),
        .state = ob_stmt_dup(ctx, st, 17),
        .sent_at = ob_stmt_int(st, 18),
    };
    return 0;
}

/* Run the grouped query; rows are collected whole, so an export's stream
 * of rows is held for the loop (db.h, "reading rows"). */
static int
grouped(struct ob_ctx *ctx, ob_reminder_fn fn, void *arg, const char *sql,
        const struct ob_db_params *p)
{
    struct group g = { fn, arg, { 0 }, NULL, 0, false };
    bool stream = ctx->rows_stream;
    int rc;

    ctx->rows_stream = false;
    rc = ob_db_each_bind(ctx, reminder_row, &g, sql, ob_db_params_bind, p);
    if (rc == 0)
        rc = flush(&g);
    ctx->rows_stream = stream;
    free(g.mails);
    return rc;
}

int
ob_mailroom_subscriber_reminders(struct ob_ctx *ctx, int64_t sub, int64_t after, int limit,
                                 ob_reminder_fn fn, void *arg)
{
    struct ob_db_params p = { .n = 0 };
    int rc = ob_access_subscriber(ctx, sub, MANAGERS, OB_ROLES_ANY, STAFF);

    if (rc != 0)
        return rc;
    ob_db_param_int(&p, sub);
    ob_db_param_int(&p, after);
    ob_db_param_int(&p, after);
    ob_db_param_int(&p, limit);
    return grouped(ctx, fn, arg,
                   REMINDER_COLS
                   "WHERE r.id IN (SELECT id FROM reminders WHERE subscriber_id = ? "
                   "AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?) "
                   "ORDER BY r.id DESC, m.outbox_id",
                   &p);
}

int
ob_mailroom_partner_reminders(struct ob_ctx *ctx, int64_t partner, int64_t subscriber,
                              int64_t after, int limit, ob_reminder_fn fn, void *arg)
{
    struct ob_db_params p = { .n = 0 };
    int rc = ob_access_partner(ctx, partner, OB_ROLES_ANY, STAFF);

    if (rc != 0)
        return rc;
    ob_db_param_int(&p, partner);
    ob_db_param_int(&p, subscriber);
    ob_db_param_int(&p, subscriber);
    ob_db_param_int(&p, after);
    ob_db_param_int(&p, after);
    ob_db_param_int(&p, limit);
    return grouped(ctx, fn, arg,
                   REMINDER_COLS
                   "WHERE r.id IN (SELECT id FROM (SELECT MAX(x.id) AS id FROM reminders x "
                   "JOIN subscribers xs ON xs.account_id = x.subscriber_id "
                   "WHERE xs.partner_id = ? AND x.state = 'sent' "
                   "AND (? = 0 OR x.subscriber_id = ?) GROUP BY x.subscriber_id) t "
                   "WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?) "
                   "ORDER BY r.id DESC, m.outbox_id",
                   &p);
}

/* Russian plural of "день" for n: 1 день, 3 дня, 5 дней, 21 день, 11 дней. */
static const char *
days_ru(int n)
{
    int m10 = n % 10, m100 = n % 100;

    if (m10 == 1 && m100 != 11)
        return "день";
    if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14))
        return "дня";
    return "дней";
}

const char *
ob_mailroom_offset_words(struct ob_ctx *ctx, int offset_days, const char *lang)
{
    int n = abs(offset_days);
    bool en = lang && !strcmp(lang, "en");

    if (offset_days == 0)
        return en ? "on the last day" : "в последний день";
    if (offset_days < 0)
        return en ? ob_arena_printf(&ctx->arena, "%d day%s before the end", n, n == 1 ? "" : "s")
                  : ob_arena_printf(&ctx->arena, "за %d %s", n, days_ru(n));
    return en ? ob_arena_printf(&ctx->arena, "%d day%s after", n, n == 1 ? "" : "s")
              : ob_arena_printf(&ctx->arena, "через %d %s после", n, days_ru(n));
}

/* ---- the outbox ------------------------------------------------------ */

/* The templates whose mails carry a single-use link: a password to set
 * (reset, a new partner's owner) or an invitation to accept. */
static const char *const secret_templates[] = { "password_reset", "member_invited",
                                                "partner_approved", NULL };

/* Does a message of template `tmpl` with body `text` carry a single-use
 * secret? Its body is then never shown to anyone but its addressee, and it
 * is not re-sent (docs/decisions.md). */
static bool
secret(const char *tmpl, const char *text)
{
    for (int i = 0; secret_templates[i]; i++)
        if (tmpl && !strcmp(tmpl, secret_templates[i]))
            return true;
    /* a template added later with a token in its link is hidden as well */
    return text && strstr(text, "token=") != NULL;
}

#define OUTBOX_COLS                                                                            \
    "SELECT o.id, o.created_at, o.sent_at, o.account_id, o.resent_from, "                     \
    "(SELECT c.id FROM outbox c WHERE c.resent_from = o.id), o.to_addr, o.lang, o.template, " \
    "o.subject, o.state, o.last_error, o.message_id, a.name, o.body_text, o.body_html "       \
    "FROM outbox o LEFT JOIN accounts a ON a.id = o.account_id "

struct outbox_args {
    ob_outbox_fn fn;
    void *arg;
    struct ob_outbox_view *out;
    bool bodies;
};

static void
read_view(struct ob_ctx *ctx, struct ob_stmt *st, struct ob_outbox_view *m, bool bodies)
{
    const char *text = ob_stmt_text(st, 14);

    memset(m, 0, sizeof(*m));
    m->id = ob_stmt_int(st, 0);
    m->created_at = ob_stmt_int(st, 1);
    m->sent_at = ob_stmt_int(st, 2);
    m->account = ob_stmt_int(st, 3);
    m->resent_from = ob_stmt_int(st, 4);
    m->resent_as = ob_stmt_int(st, 5);
    m->to = ob_stmt_dup(ctx, st, 6);
    m->lang = ob_stmt_dup(ctx, st, 7);
    m->tmpl = ob_stmt_dup(ctx, st, 8);
    m->subject = ob_stmt_dup(ctx, st, 9);
    m->state = ob_stmt_dup(ctx, st, 10);
    m->last_error = ob_stmt_null(st, 11) ? NULL : ob_stmt_dup(ctx, st, 11);
    m->message_id = ob_stmt_dup(ctx, st, 12);
    m->account_name = ob_stmt_null(st, 13) ? NULL : ob_stmt_dup(ctx, st, 13);
    m->hidden = secret(m->tmpl, text);
    if (bodies && !m->hidden) {
        m->text = ob_stmt_dup(ctx, st, 14);
        m->html = ob_stmt_dup(ctx, st, 15);
    }
}

static int
outbox_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct outbox_args *a = arg;
    struct ob_outbox_view m;

    read_view(ctx, st, &m, false);
    return a->fn(&m, a->arg);
}

static const char *const states[] = { "queued", "sent", "failed", NULL };

int
ob_mailroom_outbox(struct ob_ctx *ctx, const struct ob_outbox_filter *f, int64_t after,
                   int limit, ob_outbox_fn fn, void *arg)
{
    struct ob_db_params p = { .n = 0 };
    struct outbox_args a = { fn, arg, NULL, false };
    struct ob_buf sql;
    int rc = ob_access_provider(ctx, STAFF);

    if (rc != 0)
        return rc;
    if (f->state) {
        int i = 0;

        while (states[i] && strcmp(states[i], f->state))
            i++;
        if (!states[i])
            return ob_err_field(&ctx->err, OB_EINVAL, "state", "mail.state_unknown", "state=%s",
                                f->state);
    }
    ob_buf_init(&sql, 4096);
    ob_buf_adds(&sql, OUTBOX_COLS "WHERE 1 = 1");
    if (after) {
        ob_buf_adds(&sql, " AND o.id < ?");
        ob_db_param_int(&p, after);
    }
    if (f->state) {
        ob_buf_adds(&sql, " AND o.state = ?");
        ob_db_param_text(&p, f->state);
    }
    if (f->tmpl) {
        ob_buf_adds(&sql, " AND o.template = ?");
        ob_db_param_text(&p, f->tmpl);
    }
    if (f->to) {
        ob_buf_adds(&sql, " AND lower(o.to_addr) = lower(?)");
        ob_db_param_text(&p, f->to);
    }
    if (f->account) {
        ob_buf_adds(&sql, " AND o.account_id = ?");
        ob_db_param_int(&p, f->account);
    }
    if (f->from) {
        ob_buf_adds(&sql, " AND o.created_at >= ?");
        ob_db_param_int(&p, f->from);
    }
    if (f->until) {
        ob_buf_adds(&sql, " AND o.created_at < ?");
        ob_db_param_int(&p, f->until);
    }
    ob_buf_adds(&sql, " ORDER BY o.id DESC LIMIT ?");
    ob_db_param_int(&p, limit);
    rc = ob_db_each_bind(ctx, outbox_row, &a, sql.p, ob_db_params_bind, &p);
    ob_buf_free(&sql);
    return rc;
}

static void
read_one(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    read_view(ctx, st, arg, true);
}

static int
get(struct ob_ctx *ctx, int64_t id, struct ob_outbox_view *out)
{
    int rc = ob_db_one(ctx, read_one, out, OUTBOX_COLS "WHERE o.id = ?", "i", id);

    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "mail.message_not_found", "id=%lld",
                          (long long)id);
    return rc;
}

int
ob_mailroom_outbox_get(struct ob_ctx *ctx, int64_t id, struct ob_outbox_view *out)
{
    int rc = ob_access_provider(ctx, STAFF);

    return rc ? rc : get(ctx, id, out);
}

struct resend {
    int64_t id, *copy;
    bool *made;
};

static int
resend(struct ob_ctx *ctx, void *arg)
{
    struct resend *r = arg;
    struct ob_outbox_view m;
    int rc;

    /* the message's row is the lock two clicks meet at (SQLite: the write
     * transaction is) */
    if ((rc = ob_db_lock_row(ctx->db, "outbox", "id", r->id, false)) < 0)
        return ob_db_err(ctx, rc);
    if ((rc = get(ctx, r->id, &m)) != 0)
        return rc;
    if (m.resent_as) {
        *r->copy = m.resent_as;
        *r->made = false;
        return 0;
    }
    if (m.hidden)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "mail.secret_not_resent", "id=%lld",
                          (long long)r->id);
    if (!strcmp(m.state, "queued"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "mail.still_queued", "id=%lld",
                          (long long)r->id);
    if ((rc = ob_outbox_copy(ctx, r->id, r->copy)) != 0)
        return rc;
    *r->made = true;
    return ob_audit_with(ctx, m.account, "mail.resent", "outbox", *r->copy,
                         json_pack("{s:I, s:s, s:s, s:s}", "message", (json_int_t)r->id, "address",
                                   m.to, "template", m.tmpl, "state", m.state),
                         "mail %lld to %s re-sent as %lld (was %s)", (long long)r->id, m.to,
                         (long long)*r->copy, m.state);
}

int
ob_mailroom_resend(struct ob_ctx *ctx, int64_t id, int64_t *copy, bool *made)
{
    struct resend r = { id, copy, made };
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN);

    *copy = 0;
    *made = false;
    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, resend, &r);
}
