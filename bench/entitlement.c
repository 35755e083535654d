/*
 * bench/entitlement.c — data generator and entitlement timer for
 * bench/entitlement.sh (bench/README.md). Not part of the service.
 *
 *   entitlement gen DB SUBSCRIBERS ROWS PARTNER_ROWS EMAIL PASSWORD [PERSONS]
 *       Fill an `oblako init`-ed SQLite file: 50 partners (the first one
 *       with a person EMAIL/PASSWORD, owner), SUBSCRIBERS subscribers and at
 *       most ROWS subscriptions, in one transaction with prepared
 *       statements. The first subscribers go to the first partner until it
 *       has PARTNER_ROWS subscriptions. Subscriber i's shape (a trial, 1-20
 *       consecutive paid mains over years, some extensions) depends on i
 *       only, so two files share the shapes of their first subscribers.
 *       With PERSONS (bench/memory.sh): that many more persons, each a member
 *       of one subscriber made (an owner each, the rest users, round-robin
 *       over the subscribers), all with PASSWORD hashed once at the minimum
 *       cost (what --test-clock hashes with), so that many can sign in.
 *       Prints "partner_id=N subscribers=N rows=N partner_rows=N persons=N".
 *   entitlement time DB SUBSCRIBERS CALLS DATE
 *       Call ob_subscription_entitlement (what GET
 *       /api/v1/subscribers/{id}/entitlement uses) CALLS times over the
 *       subscribers with codes 1001 .. 1000+SUBSCRIBERS, 3 rounds after a
 *       warm-up; prints "ns_per_call=N rows=N in_force_avg=X" (median round).
 */
#include <math.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/subscriptions/subscription.h"

#define NPARTNERS 50

static void
die(const char *what, sqlite3 *db)
{
    fprintf(stderr, "entitlement: %s%s%s\n", what, db ? ": " : "", db ? sqlite3_errmsg(db) : "");
    exit(1);
}

/* splitmix64: a deterministic stream per subscriber */
static uint64_t
rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double
unit(uint64_t *s)
{
    return (double)(rnd(s) >> 11) / 9007199254740992.0;
}

static void
step_reset(sqlite3 *db, sqlite3_stmt *st)
{
    if (sqlite3_step(st) != SQLITE_DONE)
        die("insert", db);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static sqlite3_stmt *
prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die(sql, db);
    return st;
}

static int64_t
one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = prep(db, sql);
    int64_t v = 0;

    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        die(sql, db);
    sqlite3_finalize(st);
    return v;
}

struct tariff {
    int64_t id, version;
};

static struct tariff
tariff(sqlite3 *db, const char *code)
{
    char sql[300];
    struct tariff t;

    snprintf(sql, sizeof(sql), "SELECT id FROM tariffs WHERE code = '%s' AND partner_id IS NULL",
             code);
    t.id = one_int(db, sql);
    snprintf(sql, sizeof(sql),
             "SELECT id FROM tariff_versions WHERE tariff_id = %lld ORDER BY version DESC LIMIT 1",
             (long long)t.id);
    t.version = one_int(db, sql);
    return t;
}

struct gen {
    sqlite3 *db;
    sqlite3_stmt *sub;
    int64_t next_id;
    long rows, max_rows;
    int32_t today;
};

/* One subscription; its id. */
static int64_t
put(struct gen *g, int64_t subscriber, const char *kind, struct tariff t, int64_t partner,
    int64_t main, int32_t start, int32_t end, int term, int64_t price)
{
    char s[OB_DATE_LEN], e[OB_DATE_LEN];
    sqlite3_stmt *st = g->sub;
    int64_t id = g->next_id++;

    ob_date_format(start, s);
    ob_date_format(end, e);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, subscriber);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, t.id);
    sqlite3_bind_int64(st, 5, t.version);
    if (partner)
        sqlite3_bind_int64(st, 6, partner);
    if (main)
        sqlite3_bind_int64(st, 7, main);
    sqlite3_bind_text(st, 8, s, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, e, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 10, term);
    sqlite3_bind_int64(st, 11, price);
    sqlite3_bind_int64(st, 12, price);
    sqlite3_bind_int64(st, 13, (int64_t)start * 86400 + 36000);
    step_reset(g->db, st);
    g->rows++;
    return id;
}

static int
gen_main(int argc, char **argv)
{
    static const int terms[] = { 1, 3, 6, 12, 12, 12 };
    long nsubs, max_rows, partner_rows, prow = 0, npersons;
    struct tariff trial, prof, basic, crm, ext;
    sqlite3_stmt *acc, *scr, *par;
    int64_t partners[NPARTNERS], first_acc, now = (int64_t)time(NULL);
    char hash[crypto_pwhash_STRBYTES];
    struct gen g = { 0 };
    long s;

    if (argc != 8 && argc != 9)
        die("usage: entitlement gen DB SUBSCRIBERS ROWS PARTNER_ROWS EMAIL PASSWORD [PERSONS]", NULL);
    npersons = argc == 9 ? atol(argv[8]) : 0;
    nsubs = atol(argv[3]);
    max_rows = atol(argv[4]);
    partner_rows = atol(argv[5]);
    if (sodium_init() < 0)
        die("sodium_init", NULL);
    if (sqlite3_open(argv[2], &g.db) != SQLITE_OK)
        die("open", g.db);
    g.max_rows = max_rows;
    g.today = ob_date_of_instant(now);
    sqlite3_exec(g.db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144",
                 NULL, NULL, NULL);
    if (sqlite3_exec(g.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        die("begin", g.db);
    trial = tariff(g.db, "TRIAL-30");
    prof = tariff(g.db, "ITSaaS-PROF");
    basic = tariff(g.db, "ITSaaS-BASIC");
    crm = tariff(g.db, "CRM-START");
    ext = tariff(g.db, "SESSIONS+1");
    first_acc = one_int(g.db, "SELECT COALESCE(MAX(id), 0) + 1 FROM accounts");
    g.next_id = one_int(g.db, "SELECT COALESCE(MAX(id), 0) + 1 FROM subscriptions");

    acc = prep(g.db, "INSERT INTO accounts (id, kind, name, created_at, updated_at) "
                     "VALUES (?, ?, ?, ?, ?)");
    par = prep(g.db, "INSERT INTO partners (account_id, inn, phone, email) VALUES (?, ?, ?, ?)");
    for (int p = 0; p < NPARTNERS; p++) {
        char name[64], inn[16], email[64];

        partners[p] = first_acc + p;
        snprintf(name, sizeof(name), "Bench partner %d", p + 1);
        snprintf(inn, sizeof(inn), "77%08d", 10000000 + p);
        snprintf(email, sizeof(email), "partner%d@bench.example", p + 1);
        sqlite3_bind_int64(acc, 1, partners[p]);
        sqlite3_bind_text(acc, 2, "partner", -1, SQLITE_STATIC);
        sqlite3_bind_text(acc, 3, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(acc, 4, now);
        sqlite3_bind_int64(acc, 5, now);
        step_reset(g.db, acc);
        sqlite3_bind_int64(par, 1, partners[p]);
        sqlite3_bind_text(par, 2, inn, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(par, 3, "+7 495 000-00-00", -1, SQLITE_STATIC);
        sqlite3_bind_text(par, 4, email, -1, SQLITE_TRANSIENT);
        step_reset(g.db, par);
    }
    /* The first partner's owner, with a known password. */
    if (crypto_pwhash_str(hash, argv[7], strlen(argv[7]), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        die("crypto_pwhash_str", NULL);
    {
        sqlite3_stmt *pe = prep(g.db, "INSERT INTO persons (email, name, lang, password_hash, "
                                      "created_at, updated_at) VALUES (?, 'Bench owner', 'en', ?, ?, ?)");
        sqlite3_stmt *me;
        int64_t person;

        sqlite3_bind_text(pe, 1, argv[6], -1, SQLITE_STATIC);
        sqlite3_bind_text(pe, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(pe, 3, now);
        sqlite3_bind_int64(pe, 4, now);
        step_reset(g.db, pe);
        sqlite3_finalize(pe);
        person = sqlite3_last_insert_rowid(g.db);
        me = prep(g.db, "INSERT INTO memberships (person_id, account_id, roles, created_at) "
                        "VALUES (?, ?, 'owner', ?)");
        sqlite3_bind_int64(me, 1, person);
        sqlite3_bind_int64(me, 2, partners[0]);
        sqlite3_bind_int64(me, 3, now);
        step_reset(g.db, me);
        sqlite3_finalize(me);
    }

    scr = prep(g.db, "INSERT INTO subscribers (account_id, code, partner_id) VALUES (?, ?, ?)");
    g.sub = prep(g.db, "INSERT INTO subscriptions (id, subscriber_id, kind, tariff_id, "
                       "tariff_version_id, partner_id, main_id, start, \"end\", term_months, price, "
                       "amount_due, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (s = 0; s < nsubs && g.rows < g.max_rows; s++) {
        uint64_t r = 0x5EEDull * 1000003ull + (uint64_t)s;
        int64_t id = first_acc + NPARTNERS + s, partner;
        int nmains = 1 + (int)(19.0 * pow(unit(&r), 1.70));
        int tm[20], len = 30;
        int32_t day, end_target;
        char name[48];
        long before = g.rows;

        for (int k = 0; k < nmains; k++) {
            tm[k] = terms[rnd(&r) % (sizeof(terms) / sizeof(terms[0]))];
            len += tm[k] * 30 + (int)(rnd(&r) % 3);
        }
        /* The chain ends between two years ago and a year ahead. */
        end_target = g.today - 730 + (int32_t)(rnd(&r) % 1095);
        day = end_target - len;
        if (prow < partner_rows)
            partner = partners[0];
        else
            partner = (rnd(&r) % 10) == 0 ? 0 : partners[1 + rnd(&r) % (NPARTNERS - 1)];
        snprintf(name, sizeof(name), "Client %ld", s + 1);
        sqlite3_bind_int64(acc, 1, id);
        sqlite3_bind_text(acc, 2, "subscriber", -1, SQLITE_STATIC);
        sqlite3_bind_text(acc, 3, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(acc, 4, (int64_t)day * 86400);
        sqlite3_bind_int64(acc, 5, now);
        step_reset(g.db, acc);
        sqlite3_bind_int64(scr, 1, id);
        sqlite3_bind_int64(scr, 2, 1001 + s);
        if (partner)
            sqlite3_bind_int64(scr, 3, partner);
        step_reset(g.db, scr);

        put(&g, id, "trial", trial, 0, 0, day, day + 30, 0, 0);
        day += 30;
        for (int k = 0; k < nmains && g.rows < g.max_rows; k++) {
            bool crm_too = (rnd(&r) % 8) == 0;
            struct tariff t = (rnd(&r) % 3) == 0 ? basic : prof;
            int32_t end = day;
            int64_t m;

            if (ob_date_add_months(day, tm[k], &end) != 0)
                break;      /* the generated history ran past year 9999 */
            m = put(&g, id, "main", t, partner, 0, day, end, tm[k], 150000LL * tm[k]);

            if (crm_too && g.rows < g.max_rows)
                put(&g, id, "main", crm, partner, 0, day, end, tm[k], 90000LL * tm[k]);
            else if ((rnd(&r) % 13) == 0 && g.rows < g.max_rows)
                put(&g, id, "extension", ext, partner, m, day, end, tm[k], 30000LL * tm[k]);
            day = end + (int32_t)(rnd(&r) % 3 == 0 ? rnd(&r) % 20 : 0); /* some lapse */
        }
        if (partner == partners[0])
            prow += g.rows - before;
    }
    /* The people: an owner for each subscriber made, then users round-robin. */
    if (npersons > 0 && s > 0) {
        sqlite3_stmt *pe = prep(g.db, "INSERT INTO persons (email, name, lang, created_at, "
                                      "updated_at, password_hash) VALUES (?, ?, ?, ?, ?, ?)");
        char cheap[crypto_pwhash_STRBYTES];

        if (crypto_pwhash_str(cheap, argv[7], strlen(argv[7]), crypto_pwhash_OPSLIMIT_MIN,
                              crypto_pwhash_MEMLIMIT_MIN) != 0)
            die("crypto_pwhash_str", NULL);
        sqlite3_stmt *me = prep(g.db, "INSERT INTO memberships (person_id, account_id, roles, "
                                      "created_at) VALUES (?, ?, ?, ?)");

        for (long k = 0; k < npersons; k++) {
            int64_t account = first_acc + NPARTNERS + k % s;
            char email[64], name[48];

            snprintf(email, sizeof(email), "p%ld@people.bench.example", k + 1);
            snprintf(name, sizeof(name), "Person %ld", k + 1);
            sqlite3_bind_text(pe, 1, email, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(pe, 2, name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(pe, 3, k % 2 ? "en" : "ru", -1, SQLITE_STATIC);
            sqlite3_bind_int64(pe, 4, now);
            sqlite3_bind_int64(pe, 5, now);
            sqlite3_bind_text(pe, 6, cheap, -1, SQLITE_STATIC);
            step_reset(g.db, pe);
            sqlite3_bind_int64(me, 1, sqlite3_last_insert_rowid(g.db));
            sqlite3_bind_int64(me, 2, account);
            sqlite3_bind_text(me, 3, k < s ? "owner" : "user", -1, SQLITE_STATIC);
            sqlite3_bind_int64(me, 4, now);
            step_reset(g.db, me);
        }
        sqlite3_finalize(pe);
        sqlite3_finalize(me);
    }
    if (sqlite3_exec(g.db, "UPDATE counters SET value = (SELECT MAX(code) FROM subscribers) "
                           "WHERE name = 'subscriber_code'",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(g.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        die("commit", g.db);
    sqlite3_finalize(acc);
    sqlite3_finalize(par);
    sqlite3_finalize(scr);
    sqlite3_finalize(g.sub);
    sqlite3_exec(g.db, "ANALYZE", NULL, NULL, NULL);
    sqlite3_close(g.db);
    printf("partner_id=%lld subscribers=%ld rows=%ld partner_rows=%ld persons=%ld\n",
           (long long)partners[0], s, g.rows, prow, npersons);
    return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

static int
time_main(int argc, char **argv)
{
    char url[600];
    struct ob_db *db;
    struct ob_err err = { 0 };
    struct ob_stmt *st;
    int64_t *subs, rows = 0, round_ns[3];
    long nsubs, calls, n = 0, in_force = 0;
    int32_t day;

    if (argc != 6)
        die("usage: entitlement time DB SUBSCRIBERS CALLS DATE", NULL);
    nsubs = atol(argv[3]);
    calls = atol(argv[4]);
    if (ob_date_parse(argv[5], &day) != 0)
        die("DATE is not YYYY-MM-DD", NULL);
    snprintf(url, sizeof(url), "sqlite:%s", argv[2]);
    if (ob_db_open(url, NULL, &db, &err) != 0)
        die("ob_db_open", NULL);
    subs = calloc((size_t)nsubs, sizeof(*subs));
    if (ob_db_prepare(db, "SELECT account_id FROM subscribers WHERE code BETWEEN 1001 AND ? "
                          "ORDER BY code", &st) != 0)
        die("prepare", NULL);
    ob_stmt_bind_int(st, 1, 1000 + nsubs);
    while (n < nsubs && ob_stmt_step(st) == OB_DB_ROW)
        subs[n++] = ob_stmt_int(st, 0);
    ob_stmt_finalize(st);
    if (n < nsubs)
        die("fewer subscribers than asked", NULL);
    ob_db_get_int(db, &rows, "SELECT COUNT(*) FROM subscriptions", "");
    for (int round = -1; round < 3; round++) {     /* round -1: warm-up */
        int64_t t0 = ob_clock_mono_us();

        in_force = 0;
        for (long c = 0; c < calls; c++) {
            struct ob_ctx ctx;
            struct ob_entitlement e;

            ob_ctx_init(&ctx, db, NULL);
            ctx.actor.system = true;
            if (ob_subscription_entitlement(&ctx, subs[c % nsubs], day, &e) != 0)
                die(ctx.err.message, NULL);
            in_force += e.nin_force;
            ob_ctx_release(&ctx);
        }
        if (round >= 0)
            round_ns[round] = (ob_clock_mono_us() - t0) * 1000 / calls;
    }
    qsort(round_ns, 3, sizeof(round_ns[0]), cmp_i64);
    printf("ns_per_call=%lld rows=%lld in_force_avg=%.2f rounds=%lld,%lld,%lld\n",
           (long long)round_ns[1], (long long)rows, (double)in_force / (double)calls,
           (long long)round_ns[0], (long long)round_ns[1], (long long)round_ns[2]);
    free(subs);
    ob_db_close(db);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "gen"))
        return gen_main(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "time"))
        return time_main(argc, argv);
    fprintf(stderr, "usage: entitlement gen|time ... (see bench/entitlement.c)\n");
    return 2;
}
