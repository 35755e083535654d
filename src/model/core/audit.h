/*
 * audit.h — the audit log (R-OPS-2).
 *
 * Every change of state made by a person or a token writes one record in the
 * same transaction as the change: when (business time), who (person, token,
 * their email), the account concerned, the action, the object, a summary of
 * before → after, the address and the request id. Never a password, token,
 * code or link: callers summarise, they do not dump.
 *
 * Writers do not serialise on the hash chain: records are plain inserts, and
 * the 'audit-seal' job later chains them in id order (model/audit/auditlog.c and jobs/audit_seal.c).
 */
#ifndef OB_MODEL_CORE_AUDIT_H
#define OB_MODEL_CORE_AUDIT_H

#include <jansson.h>
#include <stdint.h>

struct ob_ctx;

/* Write a record about `account` (0: the installation). summary is
 * printf-formatted. Joins the caller's transaction. */
int ob_audit(struct ob_ctx *ctx, int64_t account, const char *action, const char *object_type,
             int64_t object_id, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The same with params: what the record's sentence needs (the object's
 * name, a tariff's names, prices in kopecks, dates, roles), a JSON object
 * the call takes over (NULL: none). The cabinet words the record from it in
 * the reader's language (web/pages/common.js); every action has a sentence
 * there, which a test checks. */
int ob_audit_with(struct ob_ctx *ctx, int64_t account, const char *action,
                  const char *object_type, int64_t object_id, json_t *params, const char *fmt,
                  ...) __attribute__((format(printf, 7, 8)));

#endif
