/*
 * transfers.c — a client's move to another partner (R-TRF-1):
 * POST /api/v1/transfer-letters (the client's letter, the raw bytes as the
 * body), GET/POST /api/v1/transfers, GET /api/v1/transfers/{id}, its steps
 * (forward, answer, decision) and GET /api/v1/transfers/{id}/letter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/buf.h"
#include "base/ctx.h"
#include "model/requests/transfer.h"
#include "base/banned.h"

static json_t *
letter_json(const struct ob_transfer_letter *l)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:s, s:o}", "id", (json_int_t)l->id, "name",
                     l->file_name, "content_type", l->content_type, "size", (json_int_t)l->size,
                     "sha256", l->sha256, "uploaded_at", ob_api_instant(l->uploaded_at));
}

static json_t *
transfer_json(const struct ob_transfer *t)
{
    json_t *o = json_pack(
        "{s:I, s:{s:I, s:I, s:o, s:s}, s:{s:I, s:s}, s:{s:I, s:s}, s:s, s:s, s:o, s:o}", "id",
        (json_int_t)t->id, "subscriber", "id", (json_int_t)t->subscriber, "code",
        (json_int_t)t->subscriber_code, "reporting_number",
        json_sprintf("FR%lld", (long long)t->subscriber_code), "name", t->subscriber_name,
        "from_partner", "id", (json_int_t)t->from_partner, "name", t->from_name, "to_partner",
        "id", (json_int_t)t->to_partner, "name", t->to_name, "reason", t->reason, "state",
        t->state, "filed_at", ob_api_instant(t->filed_at), "filed_by",
        t->filed_by ? json_pack("{s:I, s:s}", "id", (json_int_t)t->filed_by, "email",
                                t->filed_by_email)
                    : json_null());

    json_object_set_new(o, "letter",
                        json_pack("{s:s, s:s, s:I, s:s, s:o}", "name", t->letter_name,
                                  "content_type", t->letter_type, "size",
                                  (json_int_t)t->letter_size, "sha256", t->letter_sha256, "url",
                                  json_sprintf("/api/v1/transfers/%lld/letter",
                                               (long long)t->id)));
    json_object_set_new(o, "forwarded_at", ob_api_instant(t->forwarded_at));
    json_object_set_new(o, "answer",
                        json_pack("{s:s, s:s, s:o, s:o}", "state", t->answer_state, "comment",
                                  t->answer_comment, "due", ob_api_instant(t->answer_due),
                                  "answered_at", ob_api_instant(t->answered_at)));
    json_object_set_new(o, "decided_at", ob_api_instant(t->decided_at));
    json_object_set_new(o, "decision_note", json_string(t->decision_note));
    return o;
}

int
ob_api_transfer_letters_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_transfer_letter l;
    const char *name = ob_req_query(req, "name");
    int64_t partner;
    int rc;

    if ((rc = ob_api_query_id(req, "partner", &partner)) != 0)
        return rc;
    if (!partner)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "partner", "transfer.partner_required");
    if ((rc = ob_transfer_letter_add(req->ctx, partner, name,
                                     (const unsigned char *)req->body, req->body_len, &l)) != 0)
        return rc;
    return ob_resp_json(resp, 201, letter_json(&l));
}

int
ob_api_transfers_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_transfer t;
    const char *code, *reason;
    int64_t partner, letter;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_api_req_int(req, "partner", &partner)) != 0)
        return rc;
    /* the code as a number (1234) or as the reporting number ("FR1234") */
    if (json_is_integer(json_object_get(req->json, "subscriber")))
        code = ob_arena_printf(&req->ctx->arena, "%lld",
                               (long long)json_integer_value(json_object_get(req->json,
                                                                             "subscriber")));
    else if ((rc = ob_req_str(req, "subscriber", 40, true, &code)) != 0)
        return rc;
    if (
        (rc = ob_req_str(req, "reason", 4000, true, &reason)) != 0 ||
        (rc = ob_api_req_int(req, "letter", &letter)) != 0)
        return rc;
    if (!partner)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "partner", "transfer.partner_required");
    if ((rc = ob_transfer_file(req->ctx, partner, code, reason, letter, &t)) != 0)
        return rc;
    return ob_resp_json(resp, 201, transfer_json(&t));
}

static int
row(const struct ob_transfer *t, void *arg)
{
    return ob_list_add(arg, t->id, transfer_json(t));
}

int
ob_api_transfers_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_transfer_filter f = { ob_req_query(req, "state"), 0 };
    struct ob_list l;
    int rc;

    if ((rc = ob_api_query_id(req, "partner", &f.partner)) != 0 ||
        (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "transfers";
    if ((rc = ob_transfer_list(req->ctx, &f, l.after, l.limit, row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_transfers_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_transfer t;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_transfer_get(req->ctx, id, &t)) != 0)
        return rc;
    return ob_resp_json(resp, 200, transfer_json(&t));
}

int
ob_api_transfers_forward(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_transfer t;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_transfer_forward(req->ctx, id, &t)))
        return rc;
    return ob_resp_json(resp, 200, transfer_json(&t));
}

int
ob_api_transfers_answer(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_transfer t;
    const char *answer, *comment;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_req_str(req, "answer", 16, true, &answer)) != 0 ||
        (rc = ob_req_str(req, "comment", 4000, false, &comment)) != 0 ||
        (rc = ob_transfer_answer(req->ctx, id, answer, comment, &t)) != 0)
        return rc;
    return ob_resp_json(resp, 200, transfer_json(&t));
}

int
ob_api_transfers_decide(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_transfer t;
    const char *decision, *note;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_req_str(req, "decision", 16, true, &decision)) != 0 ||
        (rc = ob_req_str(req, "note", 4000, false, &note)) != 0 ||
        (rc = ob_transfer_decide(req->ctx, id, decision, note, &t)) != 0)
        return rc;
    return ob_resp_json(resp, 200, transfer_json(&t));
}

/* The letter as it was stored: its own type, never rendered inline. */
int
ob_api_transfers_letter(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_transfer t;
    unsigned char *data = NULL;
    size_t len = 0;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_transfer_letter_read(req->ctx, id, &t, &data, &len)) != 0)
        return rc;
    rc = ob_buf_add(&resp->body, data, len);
    free(data);
    if (rc != 0)
        return ob_err_set(&req->ctx->err, OB_EINTERNAL, "transfer.letter_send_failed");
    resp->status = 200;
    resp->content_type = !strcmp(t.letter_type, "application/pdf") ? "application/pdf"
                         : !strcmp(t.letter_type, "image/png")     ? "image/png"
                                                                   : "image/jpeg";
    ob_resp_header(resp, "Content-Disposition",
                   ob_arena_printf(&req->ctx->arena, "attachment; filename=\"letter-%lld.%s\"",
                                   (long long)id,
                                   !strcmp(t.letter_type, "application/pdf") ? "pdf"
                                   : !strcmp(t.letter_type, "image/png")     ? "png"
                                                                             : "jpg"));
    ob_resp_header(resp, "Cache-Control", "private, no-store");
    return 0;
}
