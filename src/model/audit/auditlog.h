/*
 * auditlog.h — reading, sealing and verifying the audit log (R-OPS-2).
 *
 * model/core/audit.h writes records; this module reads them back for the people
 * allowed to see them, and keeps them tamper-evident.
 *
 * Sealing chains records in id order: a record's seal_hash is the hex
 * SHA-256 of the previous sealed record's seal_hash and a canonical,
 * length-prefixed serialisation of the record's fields. Writers never wait
 * on the chain: they insert plain rows and the 'audit-seal' job seals them
 * later, in bounded batches, one row of audit_seals per batch. Because a
 * PostgreSQL transaction can commit a lower id after a higher one, sealing
 * never passes a hole in the ids until the hole has stayed empty for
 * OB_AUDIT_GAP_WAIT_S seconds of real time; each hole sealed over is kept in
 * audit_gaps, so verification knows every hole that existed at sealing time
 * and can call any other missing id a deletion. docs/decisions.md explains
 * the rule.
 */
#ifndef OB_MODEL_AUDIT_AUDITLOG_H
#define OB_MODEL_AUDIT_AUDITLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_ctx;

#define OB_AUDIT_FIELDS 12     /* id … request_id, the chained fields */
#define OB_AUDIT_BATCH 5000    /* records sealed per transaction */
#define OB_AUDIT_GAP_WAIT_S 60 /* a hole older than this is sealed over */

/* What the lists take. Zero / NULL members do not filter. */
struct ob_audit_filter {
    int64_t account;
    int64_t actor;           /* person id */
    const char *actor_email; /* the person's email, as it is now */
    const char *action;      /* exact, or a prefix when it ends with '*' */
    int64_t from, to;        /* instants: from <= at < to */
    const char *q;           /* a substring of the summary (case-sensitive) */
};

struct ob_audit_record {
    int64_t id, at;
    int64_t actor_person, actor_token, account; /* 0 for none */
    const char *actor_name, *action, *object_type, *object_id, *summary, *addr, *request_id;
    bool sealed;
    const char *params;       /* JSON text, NULL for none (model/core/audit.h) */
    const char *actor_person_name, *account_name; /* as they are now; "" for none */
    const char *object_name;  /* a person's, account's or area's name, as it is now */
};

typedef int (*ob_audit_fn)(const struct ob_audit_record *, void *);

/* The whole log, for provider staff (admin, operator, auditor, support):
 * newest first, ids below `after` (0: from the newest), at most limit. */
int ob_auditlog_list(struct ob_ctx *ctx, const struct ob_audit_filter *f, int64_t after, int limit,
                     ob_audit_fn fn, void *arg);
/* The records about subscriber `sub` (f->account is ignored): for its owner
 * and administrators, its serving partner's owner and provider staff.
 * OB_ENOTFOUND for a subscriber the actor has nothing to do with. */
int ob_auditlog_list_subscriber(struct ob_ctx *ctx, int64_t sub, const struct ob_audit_filter *f,
                                int64_t after, int limit, ob_audit_fn fn, void *arg);

/* The chain step: out = hex SHA-256 of prev (a seal hash, "" for the first
 * record) and fields[OB_AUDIT_FIELDS] in column order, NULL for SQL NULL,
 * then params when not NULL (a record without params hashes as records did
 * before the column existed). */
void ob_auditlog_hash(const char *prev, const char *const fields[OB_AUDIT_FIELDS],
                      const char *params, char out[65]);

struct ob_audit_seal_stats {
    int64_t sealed; /* records sealed by this call */
    int64_t batches;
    int64_t upto;  /* the last sealed id afterwards */
    int64_t holes; /* holes sealed over by this call */
    bool waiting;  /* stopped at a hole that is still young */
};

/* Seal what may be sealed, in batches of OB_AUDIT_BATCH, at most max_batches
 * transactions. Call it under the job's lease (jobs/audit_seal.c). */
int ob_auditlog_seal(struct ob_ctx *ctx, int max_batches, struct ob_audit_seal_stats *out);

enum ob_audit_problem_kind {
    OB_AUDIT_CHANGED, /* id: its fields or its seal no longer match */
    OB_AUDIT_DELETED, /* records with from < id < to are gone */
    OB_AUDIT_LATE,    /* id: arrived in a hole already sealed over */
    OB_AUDIT_SEALS,   /* the batch records themselves do not add up */
};

struct ob_audit_problem {
    enum ob_audit_problem_kind kind;
    int64_t id, from, to;
};

/* "record 12 was changed", "records deleted between 4 and 9", … */
void ob_auditlog_problem_text(const struct ob_audit_problem *p, char *out, size_t size);

struct ob_audit_verify_stats {
    int64_t sealed, unsealed;
    int problems;
};

/* Recompute the chain over every sealed record, in one snapshot. Calls fn
 * for each problem (in id order); the log is intact when stats->problems
 * is 0. Provider staff or the system actor only. */
int ob_auditlog_verify(struct ob_ctx *ctx, int (*fn)(const struct ob_audit_problem *, void *),
                       void *arg, struct ob_audit_verify_stats *stats);

#endif
