/*
 * audit_seal.c — the 'audit-seal' job: chains new audit records into the
 * hash chain (model/audit/auditlog.h), every 10 seconds, once per period across
 * the nodes (the runner's lease).
 *
 * A run seals at most MAX_BATCHES transactions of OB_AUDIT_BATCH records;
 * a larger backlog is taken up by the next periods. Running it twice seals
 * nothing the second time: only records after the last sealed id are taken.
 */
#include <stdio.h>

#include "base/ctx.h"
#include "jobs/jobs.h"
#include "model/audit/auditlog.h"
#include "base/banned.h"

#define MAX_BATCHES 20

int
ob_job_audit_seal_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    struct ob_audit_seal_stats s;
    int rc = ob_auditlog_seal(ctx, MAX_BATCHES, &s);

    if (rc == 0)
        snprintf(detail, size, "sealed %lld records in %lld batches, up to id %lld%s%s",
                 (long long)s.sealed, (long long)s.batches, (long long)s.upto,
                 s.holes ? "; sealed over holes in the ids" : "",
                 s.waiting ? "; waiting for a hole in the ids to fill or age" : "");
    return rc;
}
