/*
 * model/audit/ — reading and sealing the audit log.
 *
 * Every change writes its audit record through core/audit.c in its own
 * transaction; this folder reads the records by scope and seals them into a
 * hash chain that `oblako audit verify` checks.
 */
/*
 * auditlog.c — reading the audit log, sealing it into a hash chain, and
 * verifying the chain (R-OPS-2).
 *
 * Reading: one SELECT built from the filters that are set, so each list uses
 * the index that fits it (audit_account, audit_actor or the primary key),
 * newest first, keyset-paged by id.
 *
 * Sealing: records are inserted by many writers at once and sealed later by
 * one job (its lease keeps it to one node; audit_seals.prev_upto is unique,
 * so even two sealers without the lease could not both extend the chain).
 * A batch takes the records after the last sealed id in id order and stops
 * at the first hole in the ids unless that hole has been seen, empty, for
 * OB_AUDIT_GAP_WAIT_S seconds of real time:
 *
 *   - On PostgreSQL ids come from a sequence when the INSERT runs, but rows
 *     become visible when their transaction commits, so id 7 can appear
 *     after id 8. A hole may be a transaction still in flight. Holes are
 *     also left for good by transactions that rolled back (or were retried),
 *     so the sealer cannot simply wait for every hole to fill.
 *   - Records carry business time (`at`), which the test clock moves, so
 *     their age cannot be read from them. Instead the sealer notes when it
 *     first saw a hole (audit_gaps.seen_at, real time) and seals over it
 *     only after the margin: by then the missing insert, had it been part of
 *     a live request, would have had to stay uncommitted for a minute.
 *   - A hole sealed over is kept (accepted = 1); every other missing id
 *     between sealed records is a deletion, which `oblako audit verify`
 *     reports. A record that commits into an accepted hole after all is
 *     reported as late rather than silently left out.
 *
 * On SQLite there is one writer at a time and ids are assigned at commit
 * order, so holes only come from deletions; the same rule applies.
 *
 * Each batch is one write transaction of at most OB_AUDIT_BATCH records; it
 * only updates rows older than any writer's, so writers do not wait for it
 * on PostgreSQL and wait for one short transaction on SQLite.
 *
 * Verifying runs in one snapshot (REPEATABLE READ on PostgreSQL) and walks
 * batch by batch, holding one batch of holes in memory at a time.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/audit/auditlog.h"
#include "model/identity/person.h"
#include "model/identity/role.h"
#include "base/banned.h"

#define STAFF (OB_ROLE_ADMIN | OB_ROLE_OPERATOR | OB_ROLE_AUDITOR | OB_ROLE_SUPPORT)
#define COLUMNS                                                                                    \
    "id, at, actor_person, actor_token, actor_name, account_id, action, object_type, "             \
    "object_id, summary, addr, request_id, seal_hash, params"
#define SEAL_COL 12
#define PARAMS_COL 13
/* What a list shows beside the record: the names of its actor and account
 * as they are now (the record keeps the actor's email as it was then). */
#define NAMES                                                                                      \
    ", (SELECT name FROM persons WHERE persons.id = audit.actor_person), "                         \
    "(SELECT name FROM accounts WHERE accounts.id = audit.account_id), "                           \
    "CASE audit.object_type "                                                                      \
    "WHEN 'person' THEN (SELECT CASE WHEN name <> '' THEN name ELSE email END "                    \
    "FROM persons WHERE persons.id = " OBJECT_ID("person") ") "                                    \
    "WHEN 'account' THEN (SELECT name FROM accounts "                                              \
    "WHERE accounts.id = " OBJECT_ID("account") ") "                                               \
    "WHEN 'area' THEN (SELECT name FROM areas WHERE areas.id = " OBJECT_ID("area") ") END"
/* object_id as the id of a `type` row: only cast where it is one */
#define OBJECT_ID(type)                                                                            \
    "CASE WHEN audit.object_type = '" type "' THEN CAST(audit.object_id AS BIGINT) END"
#define MAX_BINDS 12
#define VERIFY_PAGE 256

/* ---- reading -------------------------------------------------------- */

struct bind {
    bool text;
    int64_t i;
    const char *t;
};

struct query {
    struct ob_buf sql;
    struct bind b[MAX_BINDS];
    int n;
};

static void
cond_int(struct query *q, const char *sql, int64_t v)
{
    ob_buf_addf(&q->sql, " AND %s", sql);
    q->b[q->n++] = (struct bind){false, v, NULL};
}

static void
cond_text(struct query *q, const char *sql, const char *v, int times)
{
    ob_buf_addf(&q->sql, " AND %s", sql);
    while (times-- > 0)
        q->b[q->n++] = (struct bind){true, 0, v};
}

static int
check_filter(struct ob_ctx *ctx, const struct ob_audit_filter *f)
{
    const char *star = f->action ? strchr(f->action, '*') : NULL;

    if (f->action && (!*f->action || strlen(f->action) > 100 || (star && star[1])))
        return ob_err_field(&ctx->err, OB_EINVAL, "action", "audit.bad_action");
    if (f->q && strlen(f->q) > 200)
        return ob_err_field(&ctx->err, OB_EINVAL, "q", "audit.too_long");
    if (f->from && f->to && f->to <= f->from)
        return ob_err_field(&ctx->err, OB_EINVAL, "to", "audit.to_before_from");
    return 0;
}

/* The WHERE clause of the filters, into q (emails are normalised into
 * email[]). */
static int
build(struct ob_ctx *ctx, const struct ob_audit_filter *f, int64_t after, struct query *q,
      char email[OB_EMAIL_MAX + 1])
{
    int rc;

    ob_buf_adds(&q->sql, "SELECT " COLUMNS NAMES " FROM audit WHERE 1 = 1");
    if (after > 0)
        cond_int(q, "id < ?", after);
    if (f->account)
        cond_int(q, "account_id = ?", f->account);
    if (f->actor)
        cond_int(q, "actor_person = ?", f->actor);
    if (f->actor_email) {
        if ((rc = ob_email_normalize(ctx, f->actor_email, email, OB_EMAIL_MAX + 1,
                                     "actor_email")) != 0)
            return rc;
        cond_text(q, "actor_person IN (SELECT id FROM persons WHERE email = ?)", email, 1);
    }
    if (f->action && f->action[strlen(f->action) - 1] == '*') {
        if (f->action[1]) /* a bare '*' filters nothing */
            cond_text(q, "substr(action, 1, length(?)) = ?",
                      ob_arena_strndup(&ctx->arena, f->action, strlen(f->action) - 1), 2);
    } else if (f->action) {
        cond_text(q, "action = ?", f->action, 1);
    }
    if (f->from)
        cond_int(q, "at >= ?", f->from);
    if (f->to)
        cond_int(q, "at < ?", f->to);
    if (f->q && *f->q) { /* a plain, case-sensitive substring on both engines */
        char contains[64];

        ob_db_sql_contains(ctx->db, "summary", contains, sizeof(contains));
        cond_text(q, contains, f->q, 1);
    }
    ob_buf_adds(&q->sql, " ORDER BY id DESC LIMIT ?");
    return 0;
}

struct list_args {
    const struct query *q;
    int limit;
    ob_audit_fn fn;
    void *arg;
};

/* The filters' values, then the limit. */
static int
bind_list(struct ob_stmt *st, const void *arg)
{
    const struct list_args *a = arg;
    const struct query *q = a->q;
    int rc = 0;

    for (int i = 0; i < q->n && rc == 0; i++)
        rc = q->b[i].text ? ob_stmt_bind_text(st, i + 1, q->b[i].t)
                          : ob_stmt_bind_int(st, i + 1, q->b[i].i);
    return rc != 0 ? rc : ob_stmt_bind_int(st, q->n + 1, a->limit);
}

/* One record to the caller. In an export (ctx->rows_stream) its strings
 * live until fn returns (db.h). */
static int
record_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct list_args *a = arg;
    struct ob_audit_record r = {
        ob_stmt_int(st, 0),       ob_stmt_int(st, 1),        ob_stmt_int(st, 2),
        ob_stmt_int(st, 3),       ob_stmt_int(st, 5),        ob_stmt_dup(ctx, st, 4),
        ob_stmt_dup(ctx, st, 6),  ob_stmt_dup(ctx, st, 7),   ob_stmt_dup(ctx, st, 8),
        ob_stmt_dup(ctx, st, 9),  ob_stmt_dup(ctx, st, 10),  ob_stmt_dup(ctx, st, 11),
        !ob_stmt_null(st, SEAL_COL),
        ob_stmt_null(st, PARAMS_COL) ? NULL : ob_stmt_dup(ctx, st, PARAMS_COL),
        ob_stmt_null(st, PARAMS_COL + 1) ? "" : ob_stmt_dup(ctx, st, PARAMS_COL + 1),
        ob_stmt_null(st, PARAMS_COL + 2) ? "" : ob_stmt_dup(ctx, st, PARAMS_COL + 2),
        ob_stmt_null(st, PARAMS_COL + 3) ? "" : ob_stmt_dup(ctx, st, PARAMS_COL + 3),
    };

    return a->fn(&r, a->arg);
}

static int
run_list(struct ob_ctx *ctx, struct query *q, int limit, ob_audit_fn fn, void *arg)
{
    struct list_args a = { q, limit, fn, arg };

    return ob_db_each_bind(ctx, record_row, &a, q->sql.p, bind_list, &a);
}

static int
list(struct ob_ctx *ctx, const struct ob_audit_filter *f, int64_t after, int limit, ob_audit_fn fn,
     void *arg)
{
    char email[OB_EMAIL_MAX + 1];
    struct query q = {.n = 0};
    int rc;

    if ((rc = check_filter(ctx, f)) != 0)
        return rc;
    ob_buf_init(&q.sql, 4096);
    if ((rc = build(ctx, f, after, &q, email)) == 0)
        rc = run_list(ctx, &q, limit, fn, arg);
    ob_buf_free(&q.sql);
    return rc;
}

int
ob_auditlog_list(struct ob_ctx *ctx, const struct ob_audit_filter *f, int64_t after, int limit,
                 ob_audit_fn fn, void *arg)
{
    int rc = ob_access_provider(ctx, STAFF);

    return rc ? rc : list(ctx, f, after, limit, fn, arg);
}

int
ob_auditlog_list_subscriber(struct ob_ctx *ctx, int64_t sub, const struct ob_audit_filter *f,
                            int64_t after, int limit, ob_audit_fn fn, void *arg)
{
    struct ob_audit_filter mine = *f;
    int rc =
        ob_access_subscriber(ctx, sub, OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR, OB_ROLE_OWNER, STAFF);

    mine.account = sub;
    return rc ? rc : list(ctx, &mine, after, limit, fn, arg);
}

/* ---- the chain ------------------------------------------------------ */

/* A netstring ("5:hello,"), or "~" for NULL: no two sequences of fields
 * serialise alike. */
static void
put(crypto_hash_sha256_state *h, const char *v)
{
    char len[24];

    if (!v) {
        crypto_hash_sha256_update(h, (const unsigned char *)"~", 1);
        return;
    }
    snprintf(len, sizeof(len), "%zu:", strlen(v));
    crypto_hash_sha256_update(h, (const unsigned char *)len, strlen(len));
    crypto_hash_sha256_update(h, (const unsigned char *)v, strlen(v));
    crypto_hash_sha256_update(h, (const unsigned char *)",", 1);
}

void
ob_auditlog_hash(const char *prev, const char *const fields[OB_AUDIT_FIELDS], const char *params,
                 char out[65])
{
    static const char tag[] = "oblako-audit-v1\n";
    crypto_hash_sha256_state h;
    unsigned char bin[crypto_hash_sha256_BYTES];

    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)tag, sizeof(tag) - 1);
    put(&h, prev ? prev : "");
    for (int i = 0; i < OB_AUDIT_FIELDS; i++)
        put(&h, fields[i]);
    /* A record without params serialises as it did before they existed, so
     * records sealed then still verify; netstrings keep the two apart. */
    if (params)
        put(&h, params);
    crypto_hash_sha256_final(&h, bin);
    sodium_bin2hex(out, 65, bin, sizeof(bin));
}

/* The chain hash of the current row of a SELECT COLUMNS statement. */
static void
row_hash(struct ob_stmt *st, const char *prev, char out[65])
{
    const char *f[OB_AUDIT_FIELDS];

    for (int i = 0; i < OB_AUDIT_FIELDS; i++)
        f[i] = ob_stmt_null(st, i) ? NULL : ob_stmt_text(st, i);
    ob_auditlog_hash(prev, f, ob_stmt_null(st, PARAMS_COL) ? NULL : ob_stmt_text(st, PARAMS_COL),
                     out);
}

/* ---- sealing -------------------------------------------------------- */

/* A seal: a batch of records chained from prev_upto's hash to upto_id's. */
struct batch {
    int64_t prev_upto, upto, records;
    char hash[65];
};

struct sealed {
    int64_t id;
    char hash[65];
};

struct seal_args {
    int64_t now; /* real time, for the holes */
    int64_t n, upto, holes;
    bool waiting;
    struct sealed *done; /* OB_AUDIT_BATCH of them */
};

/* upto_id and hash of a seal, into a struct batch */
static void
read_seal(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct batch *b = out;

    b->upto = ob_stmt_int(st, 0);
    snprintf(b->hash, sizeof(b->hash), "%s", ob_stmt_dup(ctx, st, 1));
}

static int
last_seal(struct ob_ctx *ctx, int64_t *upto, char hash[65])
{
    struct batch b = { .upto = 0, .hash = "" };
    int rc = ob_db_one(ctx, read_seal, &b,
                       "SELECT upto_id, hash FROM audit_seals ORDER BY upto_id DESC LIMIT 1", NULL);

    *upto = b.upto;
    memcpy(hash, b.hash, sizeof(b.hash));
    return rc == OB_ENOTFOUND ? 0 : rc;
}

/* May the batch pass the hole after < id < before? Notes a hole the first
 * time it is seen; marks it accepted once it is old enough. */
static int
hole_passable(struct ob_ctx *ctx, int64_t after, int64_t before, int64_t now, bool *pass)
{
    int64_t seen = 0, n;
    int rc = ob_db_get_int(ctx->db, &seen, "SELECT seen_at FROM audit_gaps WHERE before_id = ?",
                           "i", before);

    *pass = false;
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        n = ob_db_run(ctx->db,
                      "INSERT INTO audit_gaps (before_id, after_id, seen_at) VALUES (?, ?, ?)",
                      "iii", before, after, now);
    else {
        /* Part of the hole may have filled since: keep when it was first
         * seen (the ids still missing were missing then too). */
        *pass = now - seen >= OB_AUDIT_GAP_WAIT_S;
        n = ob_db_run(ctx->db,
                      "UPDATE audit_gaps SET after_id = ?, accepted = ? WHERE before_id = ?", "iii",
                      after, (int64_t)*pass, before);
    }
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

struct collect {
    struct seal_args *a;
    int64_t last;   /* the id before this row's */
    char *hash;     /* the chain so far */
};

/* One record into the batch, unless a hole before it is not yet passable
 * (then 1: the batch ends there). hole_passable writes while the SELECT is
 * open, as it always did: the rows it touches are not the ones read. */
static int
collect_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct collect *c = arg;
    struct seal_args *a = c->a;
    int64_t id = ob_stmt_int(st, 0);
    char next[65];
    bool pass = true;
    int rc;

    if (id != c->last + 1 && (rc = hole_passable(ctx, c->last, id, a->now, &pass)) != 0)
        return rc;
    if (!pass) {
        a->waiting = true;
        return 1;
    }
    a->holes += id != c->last + 1;
    row_hash(st, c->hash, next);
    memcpy(c->hash, next, sizeof(next));
    a->done[a->n].id = id;
    memcpy(a->done[a->n].hash, next, sizeof(next));
    a->n++;
    c->last = id;
    return 0;
}

/* Hash the records that may be sealed into a->done. */
static int
seal_collect(struct ob_ctx *ctx, struct seal_args *a, int64_t last, char hash[65])
{
    struct collect c = { a, last, hash };

    return ob_db_each(ctx, collect_row, &c,
                      "SELECT " COLUMNS " FROM audit WHERE id > ? ORDER BY id LIMIT ?", "ii", last,
                      (int64_t)OB_AUDIT_BATCH);
}

static int
seal_batch(struct ob_ctx *ctx, void *arg)
{
    struct seal_args *a = arg;
    char hash[65];
    int64_t prev = 0, n = 0;
    int rc;

    a->n = a->holes = 0;
    a->waiting = false;
    if ((rc = last_seal(ctx, &prev, hash)) != 0 || (rc = seal_collect(ctx, a, prev, hash)) != 0)
        return rc;
    a->upto = a->n ? a->done[a->n - 1].id : prev;
    for (int64_t i = 0; i < a->n && n >= 0; i++)
        n = ob_db_run(ctx->db, "UPDATE audit SET seal_hash = ? WHERE id = ?", "ti", a->done[i].hash,
                      a->done[i].id);
    if (n >= 0 && a->n)
        n = ob_db_run(ctx->db,
                      "INSERT INTO audit_seals (prev_upto, upto_id, records, hash, sealed_at) "
                      "VALUES (?, ?, ?, ?, ?)",
                      "iiiti", prev, a->upto, a->n, hash, a->now);
    if (n >= 0) /* holes noted earlier that have filled since */
        n = ob_db_run(ctx->db, "DELETE FROM audit_gaps WHERE accepted = 0 AND before_id <= ?", "i",
                      a->upto);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_auditlog_seal(struct ob_ctx *ctx, int max_batches, struct ob_audit_seal_stats *out)
{
    struct seal_args a = {0};
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN);

    memset(out, 0, sizeof(*out));
    if (rc != 0)
        return rc;
    a.done = ob_xmalloc(sizeof(*a.done) * OB_AUDIT_BATCH);
    for (int i = 0; i < max_batches; i++) {
        a.now = ob_clock_real();
        if ((rc = ob_db_tx(ctx, OB_DB_WRITE, seal_batch, &a)) != 0)
            break;
        out->sealed += a.n;
        out->batches += a.n > 0;
        out->holes += a.holes;
        out->upto = a.upto;
        out->waiting = a.waiting;
        if (a.n < OB_AUDIT_BATCH)
            break;
    }
    free(a.done);
    return rc;
}

/* ---- verifying ------------------------------------------------------ */

struct hole {
    int64_t after, before;
};

struct verify {
    int (*fn)(const struct ob_audit_problem *, void *);
    void *arg;
    struct ob_audit_verify_stats *stats;
    int64_t last;    /* the last sealed id present, or accounted for */
    int64_t seen;    /* the last id present, sealed or not */
    bool broken;     /* the record before lost its seal: the chain restarts */
    int64_t upto;    /* the upto_id of the last batch walked */
    char anchor[65]; /* its hash: where the next batch's chain starts */
    struct hole *holes;
    int nholes;
};

static int
report(struct verify *v, enum ob_audit_problem_kind kind, int64_t id, int64_t from, int64_t to)
{
    struct ob_audit_problem p = {kind, id, from, to};

    v->stats->problems++;
    return v->fn ? v->fn(&p, v->arg) : 0;
}

struct batches {
    struct batch *b;
    int n;
};

static int
batch_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct batches *p = arg;
    struct batch *b = &p->b[p->n++];

    *b = (struct batch){ob_stmt_int(st, 0), ob_stmt_int(st, 1), ob_stmt_int(st, 2), ""};
    snprintf(b->hash, sizeof(b->hash), "%s", ob_stmt_dup(ctx, st, 3));
    return 0;
}

static int
load_batches(struct ob_ctx *ctx, int64_t after, struct batch *b, int *n)
{
    struct batches p = { b, 0 };
    int rc = ob_db_each(ctx, batch_row, &p,
                        "SELECT prev_upto, upto_id, records, hash FROM audit_seals "
                        "WHERE upto_id > ? ORDER BY upto_id LIMIT ?",
                        "ii", after, (int64_t)VERIFY_PAGE);

    *n = p.n;
    return rc;
}

struct holes {
    struct verify *v;
    int cap;
};

static int
hole_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct holes *h = arg;
    struct verify *v = h->v;

    (void)ctx;
    if (v->nholes == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 16;
        v->holes = ob_xrealloc(v->holes, sizeof(*v->holes) * (size_t)h->cap);
    }
    v->holes[v->nholes++] = (struct hole){ob_stmt_int(st, 0), ob_stmt_int(st, 1)};
    return 0;
}

/* The accepted holes whose upper end lies in batch b, by before_id. */
static int
load_holes(struct ob_ctx *ctx, struct verify *v, const struct batch *b)
{
    struct holes h = { v, 0 };

    v->nholes = 0;
    return ob_db_each(ctx, hole_row, &h,
                      "SELECT after_id, before_id FROM audit_gaps WHERE accepted = 1 "
                      "AND before_id > ? AND before_id <= ? ORDER BY before_id",
                      "ii", b->prev_upto, b->upto);
}

/* The accepted hole that ends at or after id (holes are sorted), or NULL. */
static const struct hole *
hole_at(const struct verify *v, int64_t id)
{
    int lo = 0, hi = v->nholes;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;

        if (v->holes[mid].before < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->nholes ? &v->holes[lo] : NULL;
}

/* Walking one batch: the chain so far within it, and its records present. */
struct walk {
    struct verify *v;
    char prev[65];
    int64_t present;
};

/* One record of the batch walked. Its seal is compared and copied in place,
 * within the step, not into the arena: a log of any length verifies in
 * bounded memory. */
static int
verify_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct walk *w = arg;
    struct verify *v = w->v;
    char *prev = w->prev;
    int64_t id = ob_stmt_int(st, 0);
    const struct hole *h = hole_at(v, id);
    bool gone = false;
    char want[65];
    int rc = 0;

    (void)ctx;
    v->seen = id;
    if (ob_stmt_null(st, SEAL_COL)) {
        if (h && h->after < id && id < h->before)
            return report(v, OB_AUDIT_LATE, id, 0, 0);
        /* Its seal was removed (or it took the id of a deleted record): it
         * stands where a sealed record stood, and the next one was chained
         * from a hash that is gone. */
        v->last = id;
        v->broken = true;
        return report(v, OB_AUDIT_CHANGED, id, 0, 0);
    }
    if (id > v->last + 1 && !(h && h->before == id && h->after == v->last)) {
        gone = true;
        rc = report(v, OB_AUDIT_DELETED, 0, v->last, id);
    }
    row_hash(st, prev, want);
    /* After a deletion the stored hash was chained from the missing record:
     * its mismatch is the deletion's, already reported. */
    if (rc == 0 && !gone && !v->broken && strcmp(want, ob_stmt_text(st, SEAL_COL)) != 0)
        rc = report(v, OB_AUDIT_CHANGED, id, 0, 0);
    v->broken = false;
    snprintf(prev, 65, "%s", ob_stmt_text(st, SEAL_COL));
    v->last = id;
    v->stats->sealed++;
    w->present++;
    return rc;
}

static int
verify_batch(struct ob_ctx *ctx, struct verify *v, const struct batch *b)
{
    int problems = v->stats->problems;
    struct walk w = { .v = v, .present = 0 };
    int rc;

    if (b->prev_upto != v->upto &&
        (rc = report(v, OB_AUDIT_SEALS, 0, v->upto, b->prev_upto + 1)) != 0)
        return rc;
    if ((rc = load_holes(ctx, v, b)) != 0)
        return rc;
    memcpy(w.prev, v->anchor, sizeof(w.prev));
    v->broken = false;
    if ((rc = ob_db_each(ctx, verify_row, &w,
                         "SELECT " COLUMNS " FROM audit WHERE id > ? AND id <= ? ORDER BY id",
                         "ii", b->prev_upto, b->upto)) != 0)
        return rc;
    if (v->last < b->upto) { /* the batch's last records are gone (or unsealed) */
        if (v->seen < b->upto)
            rc = report(v, OB_AUDIT_DELETED, 0, v->last, b->upto + 1);
        v->last = b->upto;
    } else if (!v->broken && strcmp(w.prev, b->hash) != 0) {
        rc = report(v, OB_AUDIT_CHANGED, b->upto, 0, 0);
    }
    /* A forged hole could excuse a deletion; the count still tells. */
    if (rc == 0 && w.present != b->records && v->stats->problems == problems)
        rc = report(v, OB_AUDIT_SEALS, 0, b->prev_upto, b->upto + 1);
    memcpy(v->anchor, b->hash, sizeof(v->anchor));
    v->upto = b->upto;
    return rc;
}

static int
forged_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    (void)ctx;
    return report(arg, OB_AUDIT_CHANGED, ob_stmt_int(st, 0), 0, 0);
}

/* Records past the last batch: the unsealed wait; a sealed one is forged. */
static int
verify_tail(struct ob_ctx *ctx, struct verify *v)
{
    int rc = ob_db_get_int(ctx->db, &v->stats->unsealed,
                           "SELECT COUNT(*) FROM audit WHERE id > ? AND seal_hash IS NULL", "i",
                           v->upto);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_db_each(ctx, forged_row, v,
                      "SELECT id FROM audit WHERE id > ? AND seal_hash IS NOT NULL "
                      "ORDER BY id LIMIT 100",
                      "i", v->upto);
}

static int
verify_all(struct ob_ctx *ctx, void *arg)
{
    struct verify *v = arg;
    struct batch *b = ob_xmalloc(sizeof(*b) * VERIFY_PAGE);
    int rc = 0, n = VERIFY_PAGE;

    v->last = v->upto = 0;
    v->anchor[0] = '\0';
    memset(v->stats, 0, sizeof(*v->stats));
    if ((rc = ob_db_snapshot(ctx->db)) != 0)
        rc = ob_db_err(ctx, rc);
    while (rc == 0 && n == VERIFY_PAGE && (rc = load_batches(ctx, v->upto, b, &n)) == 0)
        for (int i = 0; i < n && rc == 0; i++)
            rc = verify_batch(ctx, v, &b[i]);
    if (rc == 0)
        rc = verify_tail(ctx, v);
    free(b);
    return rc;
}

int
ob_auditlog_verify(struct ob_ctx *ctx, int (*fn)(const struct ob_audit_problem *, void *),
                   void *arg, struct ob_audit_verify_stats *stats)
{
    struct verify v = {.fn = fn, .arg = arg, .stats = stats};
    int rc = ob_access_provider(ctx, STAFF);

    memset(stats, 0, sizeof(*stats));
    if (rc == 0)
        rc = ob_db_tx(ctx, OB_DB_READ, verify_all, &v);
    free(v.holes);
    return rc;
}

void
ob_auditlog_problem_text(const struct ob_audit_problem *p, char *out, size_t size)
{
    switch (p->kind) {
    case OB_AUDIT_CHANGED:
        snprintf(out, size, "record %lld was changed", (long long)p->id);
        break;
    case OB_AUDIT_DELETED:
        snprintf(out, size, "records deleted between %lld and %lld", (long long)p->from,
                 (long long)p->to);
        break;
    case OB_AUDIT_LATE:
        snprintf(out, size,
                 "record %lld was added after the records around it were sealed; "
                 "it is outside the chain",
                 (long long)p->id);
        break;
    case OB_AUDIT_SEALS:
        snprintf(out, size, "the seal records do not match the records between %lld and %lld",
                 (long long)p->from, (long long)p->to);
        break;
    }
}
