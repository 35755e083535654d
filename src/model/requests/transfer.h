/*
 * transfer.h — a client's move to another partner (R-TRF-1).
 *
 * The client writes a letter to the partner it wants to be served by; that
 * (new) partner's owner or operator uploads the scan (PDF, JPEG or PNG, at
 * most OB_TRANSFER_LETTER_MAX bytes, its type read from its first bytes)
 * and files a transfer naming the client by its code. The provider forwards
 * it to the partner serving the client now, who agrees or objects with a
 * comment within --transfer-answer-days (silence past the deadline counts as
 * agreement); the provider then approves or rejects (an objection does not
 * forbid approval). Approval moves the client to the new partner from that
 * moment: the old partner's employees' grants to its areas end
 * ("partner_changed") with their sessions, the old partner loses the client,
 * and only the new partner may post for it. Posted subscriptions keep the
 * partner that posted them. Every step is audited and mailed to the owners
 * and operators of both partners (the current one from the forwarding on).
 *
 * Who sees a transfer: the new partner's employees always; the current
 * partner's once it is forwarded; provider staff all; anyone else: not found.
 */
#ifndef OB_MODEL_REQUESTS_TRANSFER_H
#define OB_MODEL_REQUESTS_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_ctx;

#define OB_TRANSFER_LETTER_MAX (10 * 1024 * 1024)

struct ob_transfer_letter {
    int64_t id, partner, size, uploaded_at;
    const char *file_name, *content_type, *sha256;
};

struct ob_transfer {
    int64_t id, subscriber, subscriber_code, from_partner, to_partner, letter;
    const char *subscriber_name, *from_name, *to_name, *reason, *state;
    int64_t filed_by, filed_at, forwarded_at, answer_due, answered_at, decided_at;
    const char *filed_by_email, *answer, *answer_comment, *decision_note;
    /* waiting (forwarded, before the deadline), agreed, objected, silent
     * (no answer by the deadline: agreement), or "" before forwarding */
    const char *answer_state;
    const char *letter_name, *letter_type, *letter_sha256;
    int64_t letter_size;
};

/* The letter's type by its first bytes: "application/pdf", "image/jpeg",
 * "image/png", or NULL. Pure. */
const char *ob_transfer_letter_type(const unsigned char *data, size_t len);

/* Keep the client's letter for partner `partner` (its owner or operator);
 * OB_EINVAL ("transfer.letter_*") for an empty, too large or unknown file. */
int ob_transfer_letter_add(struct ob_ctx *ctx, int64_t partner, const char *file_name,
                           const unsigned char *data, size_t len, struct ob_transfer_letter *out);
/* File a transfer of the subscriber with `code` ("FR1234" or "1234") to
 * `partner`, on `letter` uploaded by it. */
int ob_transfer_file(struct ob_ctx *ctx, int64_t partner, const char *code, const char *reason,
                     int64_t letter, struct ob_transfer *out);
int ob_transfer_get(struct ob_ctx *ctx, int64_t id, struct ob_transfer *out);
struct ob_transfer_filter {
    const char *state;          /* NULL: any; "open" for filed or forwarded */
    int64_t partner;            /* 0: any; else as the new or the current partner */
};
int ob_transfer_list(struct ob_ctx *ctx, const struct ob_transfer_filter *f, int64_t after,
                     int limit, int (*fn)(const struct ob_transfer *, void *), void *arg);
/* The provider forwards a filed transfer to the current partner. */
int ob_transfer_forward(struct ob_ctx *ctx, int64_t id, struct ob_transfer *out);
/* The current partner answers: "agree" or "object" (with a comment). */
int ob_transfer_answer(struct ob_ctx *ctx, int64_t id, const char *answer, const char *comment,
                       struct ob_transfer *out);
/* The provider decides: "approve" or "reject". */
int ob_transfer_decide(struct ob_ctx *ctx, int64_t id, const char *decision, const char *note,
                       struct ob_transfer *out);
/* The letter's bytes (malloc'd, the caller frees) for someone who sees the
 * transfer. */
int ob_transfer_letter_read(struct ob_ctx *ctx, int64_t transfer, struct ob_transfer *t,
                            unsigned char **data, size_t *len);

/* Delete the letters uploaded before `before` that no transfer names (an
 * upload whose filing never came): the daily prune job. Joins the caller's
 * transaction; *n receives how many went. */
int ob_transfer_letters_prune(struct ob_ctx *ctx, int64_t before, int64_t *n);

#endif
