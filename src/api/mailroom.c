/*
 * mailroom.c — what was mailed (issue 13 item 7):
 *   GET /api/v1/subscribers/{id}/reminders  the reminders sent about an account
 *   GET /api/v1/partners/{id}/reminders     the last reminder of each client
 *                                           (?subscriber= one client)
 *   GET /api/v1/outbox                      provider staff: ?state= ?template=
 *                                           ?to= (address) ?account= ?from=
 *                                           ?to_date= (service dates, to_date
 *                                           exclusive)
 *   GET /api/v1/outbox/{id}                 one message with its bodies
 *   POST /api/v1/outbox/{id}/resend         a provider admin re-sends it
 * Lists page by ?after= and export with ?format=csv|xlsx (api/list.h).
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/notices/mailroom.h"
#include "base/banned.h"

static json_t *
instant(int64_t t)
{
    char s[OB_INSTANT_LEN];

    if (!t)
        return json_null();
    ob_instant_format(t, s);
    return json_string(s);
}

static json_t *
id_or_null(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

/* The mail server's word on a reminder's mails, together: failed when one
 * failed, queued while one waits, sent when every one was accepted; none
 * for a reminder without mails (skipped). */
static const char *
mail_state(const struct ob_reminder_view *r)
{
    bool queued = false;

    for (int i = 0; i < r->nmails; i++) {
        if (!strcmp(r->mails[i].state, "failed"))
            return "failed";
        if (strcmp(r->mails[i].state, "sent"))
            queued = true;
    }
    return r->nmails == 0 ? "none" : queued ? "queued" : "sent";
}

struct rows {
    struct ob_list *l;
    struct ob_ctx *ctx;
};

static int
reminder(const struct ob_reminder_view *r, void *arg)
{
    struct rows *w = arg;
    const char *words = ob_mailroom_offset_words(w->ctx, r->offset_days, w->ctx->actor.lang);
    json_t *o;

    if (w->l->export) {
        struct ob_buf b;

        ob_buf_init(&b, 1 << 16);
        for (int i = 0; i < r->nmails; i++)
            ob_buf_addf(&b, "%s%s (%s)", i ? "; " : "", r->mails[i].to, r->mails[i].state);
        o = json_pack("{s:I, s:s, s:s, s:i, s:s, s:b, s:s, s:I, s:s, s:I, s:s, s:s, s:s}", "id",
                      (json_int_t)r->id, "sent_day", r->sent_day, "last_day", r->last_day,
                      "offset_days", r->offset_days, "offset", words, "late", r->late, "state",
                      r->state, "subscriber_id", (json_int_t)r->subscriber, "subscriber",
                      r->subscriber_name, "code", (json_int_t)r->code, "chain", r->chain,
                      "recipients", b.p ? b.p : "", "mail_state", mail_state(r));
        ob_buf_free(&b);
        return ob_list_add(w->l, r->id, o);
    }
    json_t *mails = json_array();

    for (int i = 0; i < r->nmails; i++)
        json_array_append_new(mails, json_pack("{s:I, s:o, s:s, s:s, s:s, s:o}", "outbox",
                                               (json_int_t)r->mails[i].outbox, "person",
                                               id_or_null(r->mails[i].person), "to",
                                               r->mails[i].to, "name", r->mails[i].name, "state",
                                               r->mails[i].state,
                                               "sent_at", instant(r->mails[i].sent_at)));
    o = json_pack("{s:I, s:{s:I, s:s, s:I}, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:o, "
                  "s:o, s:s}",
                  "id", (json_int_t)r->id, "subscriber", "id", (json_int_t)r->subscriber, "name",
                  r->subscriber_name, "code", (json_int_t)r->code, "chain", r->chain, "end_key",
                  r->end_key, "offset_days", r->offset_days, "offset", words, "last_day",
                  r->last_day, "due_day", r->due_day, "sent_day", r->sent_day, "state", r->state,
                  "late", r->late, "created_at", instant(r->created_at), "mails", mails,
                  "mail_state", mail_state(r));
    return ob_list_add(w->l, r->id, o);
}

int
ob_api_subscriber_reminders(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    struct rows w = { &l, req->ctx };
    int64_t sub;
    int rc;

    if ((rc = ob_req_id(req, "id", &sub)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "reminders";
    if ((rc = ob_mailroom_subscriber_reminders(req->ctx, sub, l.after, l.limit, reminder, &w))) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

static int
query_id(struct ob_req *req, const char *name, int64_t *out)
{
    const char *v = ob_req_query(req, name);
    char *end;

    *out = 0;
    if (!v)
        return 0;
    *out = strtoll(v, &end, 10);
    if (!*v || *end || *out <= 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.id");
    return 0;
}

int
ob_api_partner_reminders(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    struct rows w = { &l, req->ctx };
    int64_t partner, sub;
    int rc;

    if ((rc = ob_req_id(req, "id", &partner)) != 0 ||
        (rc = query_id(req, "subscriber", &sub)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "reminders";
    if ((rc = ob_mailroom_partner_reminders(req->ctx, partner, sub, l.after, l.limit, reminder,
                                            &w))) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

/* ---- the outbox ------------------------------------------------------ */

static json_t *
message(const struct ob_outbox_view *m, bool flat)
{
    json_t *o;

    if (flat)
        return json_pack("{s:I, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o}", "id",
                         (json_int_t)m->id, "created_at", instant(m->created_at), "sent_at",
                         instant(m->sent_at), "state", m->state, "template", m->tmpl, "to",
                         m->to, "subject", m->subject, "account_id", id_or_null(m->account),
                         "account", m->account_name ? m->account_name : "", "last_error",
                         m->last_error ? m->last_error : "", "message_id", m->message_id,
                         "resent_from", id_or_null(m->resent_from));
    o = json_pack("{s:I, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:b}", "id",
                  (json_int_t)m->id, "created_at", instant(m->created_at), "sent_at",
                  instant(m->sent_at), "state", m->state, "template", m->tmpl, "to", m->to,
                  "lang", m->lang, "subject", m->subject, "last_error",
                  m->last_error ? json_string(m->last_error) : json_null(), "message_id",
                  m->message_id, "resent_from", id_or_null(m->resent_from), "resent_as",
                  id_or_null(m->resent_as), "body_hidden", m->hidden);
    json_object_set_new(o, "account",
                        m->account ? json_pack("{s:I, s:s}", "id", (json_int_t)m->account,
                                               "name", m->account_name ? m->account_name : "")
                                   : json_null());
    return o;
}

static int
outbox_row(const struct ob_outbox_view *m, void *arg)
{
    struct ob_list *l = arg;

    return ob_list_add(l, m->id, message(m, l->export));
}

static int
query_date(struct ob_req *req, const char *name, int64_t *out)
{
    const char *v = ob_req_query(req, name);
    int32_t day;

    *out = 0;
    if (!v)
        return 0;
    if (ob_date_parse_input(v, &day) != 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.date");
    *out = ob_date_start(day);
    return 0;
}

static const char *
query_text(struct ob_req *req, const char *name)
{
    const char *v = ob_req_query(req, name);

    return v && *v ? v : NULL;
}

int
ob_api_outbox_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_outbox_filter f = { 0 };
    struct ob_list l;
    int rc;

    f.state = query_text(req, "state");
    f.tmpl = query_text(req, "template");
    f.to = query_text(req, "to");
    if ((rc = query_id(req, "account", &f.account)) != 0 ||
        (rc = query_date(req, "from", &f.from)) != 0 ||
        (rc = query_date(req, "to_date", &f.until)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "outbox";
    if ((rc = ob_mailroom_outbox(req->ctx, &f, l.after, l.limit, outbox_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_outbox_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_outbox_view m;
    json_t *o;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_mailroom_outbox_get(req->ctx, id, &m)) != 0)
        return rc;
    o = message(&m, false);
    json_object_set_new(o, "text", m.hidden ? json_null() : json_string(m.text));
    json_object_set_new(o, "html", m.hidden ? json_null() : json_string(m.html));
    return ob_resp_json(resp, 200, o);
}

int
ob_api_outbox_resend(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_outbox_view m;
    int64_t id, copy;
    bool made;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_mailroom_resend(req->ctx, id, &copy, &made)) != 0 ||
        (rc = ob_mailroom_outbox_get(req->ctx, copy, &m)) != 0)
        return rc;
    return ob_resp_json(resp, made ? 201 : 200, message(&m, false));
}
