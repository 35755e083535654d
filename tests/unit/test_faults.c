/*
 * test_faults.c — every database call of each model write fails in turn
 * (SQLite's way of testing faults), and the write must give up cleanly.
 *
 * The database failpoints of src/db/db.c (the sanitizer build only; the
 * Makefile builds this file there and nowhere else, and tests/run.sh's
 * "asan unit" suite runs it) make the Nth call of ob_db_prepare,
 * ob_stmt_step or ob_db_commit fail with an engine-like error. For each
 * write of the table `writes` and each of the three kinds, the loop fails
 * call 1, then 2, … until a run no longer reaches the armed call: that run
 * is the write succeeding, and the calls before it are its failure points.
 * Each failed run must return an error with ctx->err set, leave no
 * transaction open, and leave every table as it was: a hash of all its rows
 * (SQLite: FNV-1a of each row's text, summed so that order does not matter;
 * PostgreSQL: the sum of each row's md5, computed by the server for all
 * tables in one statement) equal to the one before. The tables are hashed
 * after a failed run that may have stored something: one that committed,
 * or prepared a statement other than SELECT outside a transaction
 * (ob_db_failpoint_outside); a run with neither rolled everything back.
 * OBLAKO_FAULTS_HASH_ALL=1 (tests/run.sh --full) hashes after every
 * failed run. One exception is
 * allowed and counted: a failure after the write's last commit (reading
 * back what it stored), where the change stands and only the answer is an
 * error; a change after some but not all of its commits fails the test.
 * Under AddressSanitizer a leak on any error path fails the binary at exit.
 *
 * A write runs in a context of its own, as one request would, made for the
 * case's actor `as`; what it needs is made before the loop by its `prep`,
 * with the failpoints counting only. Inputs are unique per run (fx.seq), so
 * a run that succeeded does not make the next one a duplicate. The test
 * prints the failure points of each write and the total. Each injected
 * failure logs one "database error" line on stderr, as in the server.
 *
 * Runs on SQLite and, when OBLAKO_TEST_PG_URL is set, on PostgreSQL too.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/err.h"
#include "base/log.h"
#include "base/rand.h"
#include "db/db.h"
#include "model/areas/appsession.h"
#include "model/areas/area.h"
#include "model/areas/grant.h"
#include "model/areas/membership.h"
#include "model/identity/access.h"
#include "model/catalog/catalog.h"
#include "model/core/audit.h"
#include "model/core/idempotency.h"
#include "model/core/outbox.h"
#include "model/core/task.h"
#include "model/identity/account.h"
#include "model/identity/member.h"
#include "model/identity/person.h"
#include "model/identity/token.h"
#include "model/parties/invite.h"
#include "model/parties/partner.h"
#include "model/parties/questionnaire.h"
#include "model/parties/subscriber.h"
#include "model/requests/request.h"
#include "model/subscriptions/its.h"
#include "model/subscriptions/onboarding.h"
#include "model/subscriptions/subscription.h"
#include "unit.h"
#include "unit_engine.h"
#include "base/banned.h"

/* What the writes share: the provider, a partner with its owner, a client
 * of the partner with its owner, and what the current case made. */
struct fx {
    struct ob_db *db;
    struct ob_config cfg;
    struct ob_ctx ctx; /* the current run's */
    int64_t now;
    int seq; /* unique inputs per run */
    int64_t partner, partner_owner, client, client_owner;
    /* made by a case's prep for its write */
    int64_t id, id2, person;
    char text[128];
    char addr[32];
};

static struct fx fx;

/* ---- the hash of every table ------------------------------------------------------------ */

static uint64_t
fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL; /* a separator: "ab","c" is not "a","bc" */
}

/* splitmix64's finaliser: row hashes are summed, so rows may come in any order */
static uint64_t
mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct table_hash {
    uint64_t sum;
    int64_t rows;
};

static int
row_hash(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct table_hash *t = arg;
    uint64_t h = 14695981039346656037ULL;

    (void)ctx;
    for (int c = 0; c < ob_stmt_columns(st); c++)
        h = fnv(h, ob_stmt_null(st, c) ? "\x01NULL" : ob_stmt_text(st, c));
    t->sum += mix(h);
    t->rows++;
    return 0;
}

#define MAX_TABLES 128

/* Every table's rows: its name and hash, tables in name order. */
struct snapshot {
    char name[MAX_TABLES][64];
    uint64_t hash[MAX_TABLES];
    int n;
};

static int
table_name(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct snapshot *s = arg;

    (void)ctx;
    if (s->n == MAX_TABLES)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "test.too_many_tables", "max=%d", MAX_TABLES);
    snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", ob_stmt_text(st, 0));
    return 0;
}

/* PostgreSQL hashes each table itself (its row count and the sum of the
 * md5 of each row's text, so in any order), all tables in one statement: a
 * round trip per table made the loop three times slower there. A row of
 * it: the table's position and its hash. */
static int
pg_table_hash(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct snapshot *s = arg;
    int64_t i = ob_stmt_int(st, 0);

    (void)ctx;
    if (i >= 0 && i < s->n)
        s->hash[i] = fnv(14695981039346656037ULL, ob_stmt_text(st, 1));
    return 0;
}

static int64_t hash_us;
/* OBLAKO_FAULTS_HASH_ALL=1 (tests/run.sh --full): hash the tables after
 * every failed run, also those that stored nothing */
static bool hash_all; /* time spent hashing, for the summary */

/* The tables, listed once per engine (the loop creates none), and on
 * PostgreSQL the statement that hashes them all. */
static struct snapshot tables;
static char pg_sql[MAX_TABLES * 192];

static void
list_tables(void)
{
    struct ob_ctx ctx;
    size_t len = 0;

    tables.n = 0;
    pg_sql[0] = '\0';
    ob_ctx_init(&ctx, fx.db, &fx.cfg);
    if (ob_db_each(&ctx, table_name, &tables,
                   ob_db_engine(fx.db) == OB_DB_SQLITE
                       ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                       : "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                         "current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
                   NULL) != 0)
        fail_msg("%s: table names: %s", eng.name, ctx.err.message);
    ob_ctx_release(&ctx);
    for (int i = 0; i < tables.n && ob_db_engine(fx.db) == OB_DB_POSTGRES; i++)
        len += (size_t)snprintf(pg_sql + len, sizeof(pg_sql) - len,
                                "%sSELECT %d, count(*) || ' ' || COALESCE(sum(('x' || "
                                "substr(md5(x::text), 1, 15))::bit(60)::bigint), 0) FROM %s x",
                                i ? " UNION ALL " : "", i, tables.name[i]);
    if (len >= sizeof(pg_sql))
        fail_msg("%s: the tables' hash statement is too long", eng.name);
}

static void
db_snapshot(struct snapshot *s)
{
    struct ob_ctx ctx;
    char sql[128];
    int64_t t0 = ob_clock_mono_us();

    ob_db_failpoint_arm(OB_DB_FP_PREPARE, 0);
    memcpy(s, &tables, sizeof(*s));
    ob_ctx_init(&ctx, fx.db, &fx.cfg);
    if (ob_db_engine(fx.db) == OB_DB_POSTGRES) {
        if (ob_db_each(&ctx, pg_table_hash, s, pg_sql, NULL) != 0)
            fail_msg("%s: tables' hash: %s", eng.name, ob_db_errmsg(fx.db));
    } else {
        for (int i = 0; i < s->n; i++) {
            struct table_hash t = {0, 0};

            snprintf(sql, sizeof(sql), "SELECT * FROM %s", s->name[i]);
            if (ob_db_each(&ctx, row_hash, &t, sql, NULL) != 0)
                fail_msg("%s: %s: %s", eng.name, sql, ob_db_errmsg(fx.db));
            s->hash[i] = mix(t.sum ^ mix((uint64_t)t.rows));
        }
    }
    ob_ctx_release(&ctx);
    hash_us += ob_clock_mono_us() - t0;
}

/* The names of the tables whose rows differ ("" when none), in buf. */
static const char *
db_changed(const struct snapshot *before, char *buf, size_t size)
{
    static struct snapshot now;
    size_t len = 0;

    db_snapshot(&now);
    buf[0] = '\0';
    for (int i = 0; i < now.n && len + 66 < size; i++)
        if (now.hash[i] != before->hash[i])
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "", now.name[i]);
    return buf;
}

/* ---- contexts ------------------------------------------------------------------------------ */

enum actor { SYSTEM, ANONYMOUS, PARTNER_OWNER, CLIENT_OWNER, PERSON };

/* A fresh context for one run, as one request of `who` at the fixed now. */
static struct ob_ctx *
begin(enum actor who)
{
    struct ob_ctx *ctx = &fx.ctx;

    ob_ctx_init(ctx, fx.db, &fx.cfg);
    ctx->now = fx.now;
    ctx->clock_ready = true;
    /* an address per run: the public form's rate limit is per address */
    snprintf(fx.addr, sizeof(fx.addr), "10.%d.%d.%d", fx.seq >> 16 & 255, fx.seq >> 8 & 255,
             fx.seq & 255);
    ctx->remote_addr = fx.addr;
    snprintf(ctx->request_id, sizeof(ctx->request_id), "faults-%d", fx.seq);
    switch (who) {
    case SYSTEM:
        ctx->actor.system = true;
        break;
    case ANONYMOUS:
        break;
    case PARTNER_OWNER:
        ctx->actor.person = fx.partner_owner;
        ctx->actor.name = "owner@partner.test";
        break;
    case CLIENT_OWNER:
        ctx->actor.person = fx.client_owner;
        ctx->actor.name = "owner@client.test";
        break;
    case PERSON:
        ctx->actor.person = fx.person;
        ctx->actor.name = "person@faults.test";
        break;
    }
    return ctx;
}

static void
end(void)
{
    ob_access_reset(&fx.ctx);
    ob_ctx_release(&fx.ctx);
}

#define OK(what, call)                                                                             \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != 0)                                                                              \
            fail_msg("%s: %s: %d %s", eng.name, (what), rc_, fx.ctx.err.message);                  \
    } while (0)

/* ---- the fixture ---------------------------------------------------------------------------- */

static const char *
email(const char *who)
{
    static char buf[8][96];
    static int k;
    char *b = buf[k++ % 8];

    snprintf(b, 96, "%s-%d@faults.test", who, fx.seq);
    return b;
}

static int64_t
person_id(const char *address)
{
    struct ob_person p;

    OK(address, ob_person_find(&fx.ctx, address, &p));
    return p.id;
}

/* A questionnaire of a new partner: the KPP differs per run (one partner
 * per INN and KPP). */
static void
questionnaire(struct ob_questionnaire *q, const char *owner)
{
    static char kpp[16];

    snprintf(kpp, sizeof(kpp), "7701%05d", fx.seq % 100000);
    memset(q, 0, sizeof(*q));
    q->req.name = "Партнёр";
    q->req.inn = "7707083893";
    q->req.kpp = kpp;
    q->req.phone = "+7 495 123-45-67";
    q->req.email = owner;
    q->req.site = "";
    q->req.address = "Москва";
    q->req.region = "Москва";
    q->contact_name = "Владелец";
    q->contact_email = owner;
    q->comment = "faults";
    q->lang = "ru";
}

static int
group_setup(void **state)
{
    struct ob_err err = {0};
    struct ob_questionnaire q;
    struct ob_subscriber_new in = {"Клиент", "owner@client.test", "", "ru", 0};
    struct ob_invite invited;
    struct ob_catalog_load_stats loaded;
    struct ob_app_change app = {.backend_url = "http://127.0.0.1:9/",
                                .backend_secret = "faults-backend-secret-0123456789abcdef",
                                .active = -1};
    char generated[64];
    bool created;

    (void)state;
    memset(&fx, 0, sizeof(fx));
    if (ob_config_load(&fx.cfg, OB_CMD_SERVE, 0, NULL, NULL, NULL, &err) != 0)
        fail_msg("config: %s", err.message);
    if (ob_db_open(eng.url, NULL, &fx.db, &err) != 0 ||
        ob_db_migrate(fx.db, ob_migrations, ob_nmigrations, NULL, &err) != 0)
        fail_msg("%s: %s", eng.name, err.message);
    fx.now = 1924992000; /* 2031-01-01 */
    begin(SYSTEM);
    OK("catalog", ob_catalog_load_standard(&fx.ctx, &loaded));
    OK("backend", ob_catalog_app_update(&fx.ctx, "accounting", &app));
    OK("provider", ob_account_init_provider(&fx.ctx, "Облако", "admin@faults.test", "pass-word-1",
                                            generated, sizeof(generated), &created));
    questionnaire(&q, "owner@partner.test");
    OK("submit", ob_questionnaire_submit(&fx.ctx, &q));
    OK("approve", ob_questionnaire_approve(&fx.ctx, q.id, &q));
    fx.partner = q.partner;
    fx.partner_owner = person_id("owner@partner.test");
    in.partner = fx.partner;
    OK("client", ob_subscriber_create(&fx.ctx, &in, &fx.client, &invited));
    OK("accept", ob_invite_accept_pending(&fx.ctx, fx.client, "owner@client.test"));
    fx.client_owner = person_id("owner@client.test");
    end();
    list_tables();
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    ob_db_close(fx.db);
    return 0;
}

static int
pg_setup(void **state)
{
    return pg_group_setup(state) ? -1 : group_setup(state);
}

static int
pg_teardown(void **state)
{
    group_teardown(state);
    return pg_group_teardown(state);
}

static int
sqlite_setup(void **state)
{
    return sqlite_group_setup(state) ? -1 : group_setup(state);
}

static int
sqlite_teardown(void **state)
{
    group_teardown(state);
    return sqlite_group_teardown(state);
}

/* ---- the writes: prep (makes what the write needs) and the write ----------------------------- */

static int
w_questionnaire_submit(struct ob_ctx *ctx)
{
    struct ob_questionnaire q;

    questionnaire(&q, email("applicant"));
    return ob_questionnaire_submit(ctx, &q);
}

static void
p_questionnaire(void)
{
    struct ob_questionnaire q;

    questionnaire(&q, email("applicant"));
    OK("submit", ob_questionnaire_submit(&fx.ctx, &q));
    fx.id = q.id;
}

static int
w_questionnaire_approve(struct ob_ctx *ctx)
{
    struct ob_questionnaire q;

    return ob_questionnaire_approve(ctx, fx.id, &q);
}

static int
w_questionnaire_reject(struct ob_ctx *ctx)
{
    struct ob_questionnaire q;

    return ob_questionnaire_reject(ctx, fx.id, "not a partner", &q);
}

/* A new partner: fx.id. */
static void
p_partner(void)
{
    struct ob_questionnaire q;

    questionnaire(&q, email("partner"));
    OK("submit", ob_questionnaire_submit(&fx.ctx, &q));
    OK("approve", ob_questionnaire_approve(&fx.ctx, q.id, &q));
    fx.id = q.partner;
}

static int
w_partner_status_add(struct ob_ctx *ctx)
{
    int64_t id;

    return ob_partner_status_add(ctx, fx.id, "csk", "2031-01-01", NULL, "faults", &id);
}

static int
w_partner_employee_add(struct ob_ctx *ctx)
{
    struct ob_invite inv;

    return ob_partner_employee_add(ctx, fx.partner, email("employee"), "Сотрудник", "operator",
                                   &inv);
}

static int
w_subscriber_create(struct ob_ctx *ctx)
{
    struct ob_subscriber_new in = {"ООО Новый", email("new"), "", "ru", fx.partner};
    struct ob_invite inv;
    int64_t id;

    return ob_subscriber_create(ctx, &in, &id, &inv);
}

static int
w_subscriber_info_put(struct ob_ctx *ctx)
{
    struct ob_subscriber_info in = {"ООО «Клиент»",
                                    "7707083893",
                                    "770701001",
                                    fx.text,
                                    "+7 495 111-11-11",
                                    "buh@client.test",
                                    "Москва",
                                    NULL,
                                    "",
                                    0,
                                    false};

    return ob_subscriber_info_put(ctx, fx.client, &in);
}

static void
p_text(void)
{
    snprintf(fx.text, sizeof(fx.text), "Директор %d", fx.seq);
}

static int
w_subscriber_user_add(struct ob_ctx *ctx)
{
    struct ob_user_change ch = {"user", false, false, 0};
    struct ob_invite inv;

    return ob_subscriber_user_add(ctx, fx.client, email("user"), "Пользователь", &ch, &inv);
}

/* A user of the client, invited and joined: fx.person. */
static void
p_user(void)
{
    struct ob_user_change ch = {"user", false, false, 0};
    struct ob_invite inv;
    const char *address = email("user");

    OK("user", ob_subscriber_user_add(&fx.ctx, fx.client, address, "Пользователь", &ch, &inv));
    OK("accept", ob_invite_accept_pending(&fx.ctx, fx.client, address));
    fx.person = person_id(address);
}

static int
w_user_remove(struct ob_ctx *ctx)
{
    return ob_subscriber_user_remove(ctx, fx.client, fx.person);
}

static int
w_user_set(struct ob_ctx *ctx)
{
    struct ob_user_change ch = {"user,administrator", true, true, 2};
    struct ob_account_member m;

    return ob_subscriber_user_set(ctx, fx.client, fx.person, &ch, &m);
}

/* An invitation not accepted yet: fx.id. */
static void
p_invite(void)
{
    struct ob_user_change ch = {"user", false, false, 0};
    struct ob_invite inv;

    OK("user",
       ob_subscriber_user_add(&fx.ctx, fx.client, email("invited"), "Приглашённый", &ch, &inv));
    fx.id = inv.id;
}

static int
w_invite_accept_pending(struct ob_ctx *ctx)
{
    return ob_invite_accept_pending(ctx, fx.client, email("invited"));
}

static int
w_invite_cancel(struct ob_ctx *ctx)
{
    return ob_invite_cancel(ctx, fx.id);
}

static int
w_invite_resend(struct ob_ctx *ctx)
{
    struct ob_invite inv;

    return ob_invite_resend(ctx, fx.id, &inv);
}

static int
w_set_password(struct ob_ctx *ctx)
{
    return ob_person_set_password(ctx, fx.person, "another-pass-1");
}

static int
w_person_change(struct ob_ctx *ctx)
{
    struct ob_person_change ch = {0};

    ch.name = fx.text;
    ch.lang = "en";
    return ob_person_change(ctx, &ch);
}

static void
p_user_text(void)
{
    p_user();
    p_text();
}

static int
w_token_create(struct ob_ctx *ctx)
{
    char secret[48];
    int64_t id;

    return ob_token_create(ctx, fx.client, "user", fx.text, &id, secret);
}

static void
p_token(void)
{
    char secret[48];

    p_user();
    fx.ctx.actor.system = false;
    fx.ctx.actor.person = fx.person;
    ob_access_reset(&fx.ctx);
    OK("token", ob_token_create(&fx.ctx, fx.client, "user", "t", &fx.id, secret));
    ob_access_reset(&fx.ctx);
    fx.ctx.actor.person = 0;
    fx.ctx.actor.system = true;
}

static int
w_token_revoke(struct ob_ctx *ctx)
{
    return ob_token_revoke(ctx, fx.id);
}

static int
w_subscription_post(struct ob_ctx *ctx)
{
    struct ob_subscription_new in = {0};
    int64_t id;

    in.subscriber = fx.id;
    in.kind = "main";
    in.tariff = "ITSaaS-PROF";
    in.term_months = 12;
    in.new_client = true;
    return ob_subscription_post(ctx, &in, &id);
}

/* A new client of the partner, on its trial, its information complete:
 * fx.id. */
static void
p_client(void)
{
    struct ob_subscriber_new in = {"ООО Клиент", email("client"), "", "ru", fx.partner};
    struct ob_subscriber_info info = {"ООО «Клиент»",
                                      "7707083893",
                                      "770701001",
                                      "Директор",
                                      "+7 495 111-11-11",
                                      "buh@client.test",
                                      "Москва",
                                      NULL,
                                      "",
                                      0,
                                      false};
    struct ob_invite inv;

    OK("client", ob_subscriber_create(&fx.ctx, &in, &fx.id, &inv));
    OK("info", ob_subscriber_info_put(&fx.ctx, fx.id, &info));
}

/* A client with a posted main subscription: fx.id the subscriber, fx.id2
 * the subscription. */
static void
p_posted(void)
{
    struct ob_subscription_new in = {0};

    p_client();
    in.subscriber = fx.id;
    in.kind = "main";
    in.tariff = "ITSaaS-PROF";
    in.term_months = 12;
    in.new_client = true;
    OK("post", ob_subscription_post(&fx.ctx, &in, &fx.id2));
}

static int
w_request_file(struct ob_ctx *ctx)
{
    struct ob_subscription_change ch = {NULL, NULL, NULL, 0, 0, -1, -1};
    struct ob_request r;

    return ob_request_file_subscription(ctx, "subscription_cancel", fx.id2, &ch, "faults", &r);
}

static void
p_request(void)
{
    struct ob_subscription_change ch = {NULL, NULL, NULL, 0, 0, -1, -1};
    struct ob_request r;

    p_posted();
    fx.ctx.actor.system = false;
    fx.ctx.actor.person = fx.partner_owner;
    ob_access_reset(&fx.ctx);
    OK("request",
       ob_request_file_subscription(&fx.ctx, "subscription_cancel", fx.id2, &ch, "faults", &r));
    ob_access_reset(&fx.ctx);
    fx.ctx.actor.person = 0;
    fx.ctx.actor.system = true;
    fx.id = r.id;
}

static int
w_request_decide(struct ob_ctx *ctx)
{
    struct ob_request r;

    return ob_request_decide(ctx, fx.id, "apply", "ok", &r);
}

static int
w_requisites_request(struct ob_ctx *ctx)
{
    struct ob_requisites ch = {0};
    struct ob_request r;

    ch.address = fx.text;
    return ob_request_file_requisites(ctx, fx.partner, &ch, "moved", &r);
}

static int
w_area_create(struct ob_ctx *ctx)
{
    struct ob_area_new in = {fx.client, fx.text, "accounting", false, false, NULL, NULL};
    int64_t id;

    return ob_area_create(ctx, &in, &id);
}

/* A ready data area of the client: fx.id. */
static void
p_area(void)
{
    struct ob_area_new in = {fx.client, email("area"), "accounting", false, false, NULL, NULL};

    OK("area", ob_area_create(&fx.ctx, &in, &fx.id));
    OK("created", ob_area_created(&fx.ctx, fx.id, true, "1.0", NULL));
}

static void
p_area_creating(void)
{
    struct ob_area_new in = {fx.client, email("area"), "accounting", false, false, NULL, NULL};

    OK("area", ob_area_create(&fx.ctx, &in, &fx.id));
}

/* Joins the caller's transaction: the job's (jobs/areas.c). */
static int
area_created_tx(struct ob_ctx *ctx, void *arg)
{
    (void)arg;
    return ob_area_created(ctx, fx.id, true, "1.0", NULL);
}

static int
w_area_created(struct ob_ctx *ctx)
{
    return ob_db_tx(ctx, OB_DB_WRITE, area_created_tx, NULL);
}

static int
w_area_delete(struct ob_ctx *ctx)
{
    struct ob_area a;
    int rc = ob_area_get(ctx, fx.id, &a);

    return rc ? rc : ob_area_delete(ctx, fx.id, a.name);
}

/* A ready area and a partner employee to grant it to: fx.id, fx.text. */
static void
p_area_employee(void)
{
    struct ob_invite inv;

    p_area();
    snprintf(fx.text, sizeof(fx.text), "%s", email("employee"));
    OK("employee",
       ob_partner_employee_add(&fx.ctx, fx.partner, fx.text, "Сотрудник", "operator", &inv));
    OK("accept", ob_invite_accept_pending(&fx.ctx, fx.partner, fx.text));
}

static int
w_grant_create(struct ob_ctx *ctx)
{
    int64_t id;

    return ob_grant_create(ctx, fx.id, fx.text, "2031-02-15", &id);
}

static void
p_grant(void)
{
    p_area_employee();
    fx.ctx.actor.system = false;
    fx.ctx.actor.person = fx.client_owner;
    ob_access_reset(&fx.ctx);
    OK("grant", ob_grant_create(&fx.ctx, fx.id, fx.text, "2031-02-15", &fx.id2));
    ob_access_reset(&fx.ctx);
    fx.ctx.actor.person = 0;
    fx.ctx.actor.system = true;
}

static int
w_grant_revoke(struct ob_ctx *ctx)
{
    return ob_grant_revoke(ctx, fx.id2);
}

static int
w_appsession_open(struct ob_ctx *ctx)
{
    struct ob_admitted adm;
    struct ob_refusal why;

    return ob_appsession_open(ctx, fx.id, 0, &adm, &why);
}

/* An open session of the client's owner in a ready area: fx.id2. */
static void
p_session(void)
{
    struct ob_admitted adm;
    struct ob_refusal why;

    p_area();
    fx.ctx.actor.system = false;
    fx.ctx.actor.person = fx.client_owner;
    ob_access_reset(&fx.ctx);
    OK("open", ob_appsession_open(&fx.ctx, fx.id, 0, &adm, &why));
    ob_access_reset(&fx.ctx);
    fx.ctx.actor.person = 0;
    fx.ctx.actor.system = true;
    fx.id2 = adm.id;
}

static int
w_appsession_close(struct ob_ctx *ctx)
{
    return ob_appsession_close(ctx, fx.id2);
}

static int
w_its_create(struct ob_ctx *ctx)
{
    char number[32];
    struct ob_its_new in = {number,       "PROF",   "7707083893", "2031-01-01",
                            "2031-12-31", "faults", fx.partner,   0};
    int64_t id;

    snprintf(number, sizeof(number), "ITS-%d", fx.seq);
    return ob_its_create(ctx, &in, &id);
}

static int
w_partner_tariff_create(struct ob_ctx *ctx)
{
    static const struct ob_price_new prices[] = {{1, 260000, NULL, NULL, false}};
    char code[32];
    struct ob_partner_tariff_new pt = {fx.partner, "ITSaaS-PROF", code, "Тариф",
                                       "Tariff",   prices,        1};
    int64_t id;

    snprintf(code, sizeof(code), "P-%d", fx.seq);
    return ob_catalog_partner_tariff_create(ctx, &pt, &id);
}

/* The core writes join the caller's transaction: run them in one. */
static int
audit_tx(struct ob_ctx *ctx, void *arg)
{
    (void)arg;
    return ob_audit(ctx, fx.client, "faults.test", "subscriber", fx.client, "run %d", fx.seq);
}

static int
w_audit(struct ob_ctx *ctx)
{
    return ob_db_tx(ctx, OB_DB_WRITE, audit_tx, NULL);
}

static int
outbox_tx(struct ob_ctx *ctx, void *arg)
{
    json_t *vars = json_pack("{s:s, s:s, s:s, s:s}", "link", "https://faults.test/x", "name", "Имя",
                             "email", "a@faults.test", "hours", "24");
    int rc;

    (void)arg;
    rc = ob_outbox_add(ctx, email("mail"), "ru", "password_reset", vars, fx.client);
    json_decref(vars);
    return rc;
}

static int
w_outbox_add(struct ob_ctx *ctx)
{
    return ob_db_tx(ctx, OB_DB_WRITE, outbox_tx, NULL);
}

static int
w_task_enqueue(struct ob_ctx *ctx)
{
    char key[32];
    int64_t id;

    snprintf(key, sizeof(key), "faults-%d", fx.seq);
    return ob_task_enqueue(ctx, "faults", "{}", key, 3, &id);
}

static struct ob_idem idem;

static int
w_idem_begin(struct ob_ctx *ctx)
{
    char hash[OB_IDEM_HASH_LEN], key[32];

    snprintf(key, sizeof(key), "key-%d", fx.seq);
    ob_idem_request_hash("POST", "/x", "/x", "{}", 2, hash);
    return ob_idem_begin(ctx, key, hash, &idem);
}

/* A claimed key (the request's first transaction), to be finished. */
static void
p_idem(void)
{
    OK("claim", w_idem_begin(&fx.ctx));
}

static int
w_idem_finish(struct ob_ctx *ctx)
{
    return ob_idem_finish(ctx, &idem, 201, "application/json", "{\"id\":1}", 8);
}

static const struct write_case {
    const char *name;
    enum actor as;
    void (*prep)(void); /* run as the system before the loop; NULL: nothing */
    int (*write)(struct ob_ctx *ctx);
} writes[] = {
    {"questionnaire submit", ANONYMOUS, NULL, w_questionnaire_submit},
    {"questionnaire approve", SYSTEM, p_questionnaire, w_questionnaire_approve},
    {"questionnaire reject", SYSTEM, p_questionnaire, w_questionnaire_reject},
    {"partner status add", SYSTEM, p_partner, w_partner_status_add},
    {"partner employee add", PARTNER_OWNER, NULL, w_partner_employee_add},
    {"requisites request", PARTNER_OWNER, p_text, w_requisites_request},
    {"subscriber create (trial)", PARTNER_OWNER, NULL, w_subscriber_create},
    {"subscriber info put", PARTNER_OWNER, p_text, w_subscriber_info_put},
    {"subscriber user add", CLIENT_OWNER, NULL, w_subscriber_user_add},
    {"subscriber user set", CLIENT_OWNER, p_user, w_user_set},
    {"subscriber user remove", CLIENT_OWNER, p_user, w_user_remove},
    {"invite accept", SYSTEM, p_invite, w_invite_accept_pending},
    {"invite cancel", CLIENT_OWNER, p_invite, w_invite_cancel},
    {"invite resend", CLIENT_OWNER, p_invite, w_invite_resend},
    {"password set", SYSTEM, p_user, w_set_password},
    {"person change", PERSON, p_user_text, w_person_change},
    {"token create", PERSON, p_user_text, w_token_create},
    {"token revoke", PERSON, p_token, w_token_revoke},
    {"subscription post", SYSTEM, p_client, w_subscription_post},
    {"request file", PARTNER_OWNER, p_posted, w_request_file},
    {"request decide", SYSTEM, p_request, w_request_decide},
    {"area create", CLIENT_OWNER, p_text, w_area_create},
    {"area created", SYSTEM, p_area_creating, w_area_created},
    {"area delete", CLIENT_OWNER, p_area, w_area_delete},
    {"grant create", CLIENT_OWNER, p_area_employee, w_grant_create},
    {"grant revoke", CLIENT_OWNER, p_grant, w_grant_revoke},
    {"session open", CLIENT_OWNER, p_area, w_appsession_open},
    {"session close", CLIENT_OWNER, p_session, w_appsession_close},
    {"its create", SYSTEM, NULL, w_its_create},
    {"partner tariff create", SYSTEM, NULL, w_partner_tariff_create},
    {"audit append", SYSTEM, NULL, w_audit},
    {"outbox enqueue", SYSTEM, NULL, w_outbox_add},
    {"task enqueue", SYSTEM, NULL, w_task_enqueue},
    {"idempotency claim", SYSTEM, NULL, w_idem_begin},
    {"idempotency finish", SYSTEM, p_idem, w_idem_finish},
};

static const char *const kinds[] = {"prepare", "step", "commit"};

/* What the loop found for one write. */
struct tally {
    long points[3]; /* failure points of each kind */
    long late;      /* of which after the write's last commit */
    long unhashed;  /* stored nothing (no commit, no write outside one): not hashed */
};

/* A fresh start for the write: new unique inputs, what it needs, and the
 * rows of every table as they are before it runs. */
static void
prepare(const struct write_case *w, struct snapshot *before)
{
    fx.seq++;
    begin(SYSTEM);
    ob_db_failpoint_arm(OB_DB_FP_PREPARE, 0);
    if (w->prep)
        w->prep();
    end();
    db_snapshot(before);
}

/*
 * Fail each call of `kind` of the write in turn. A failed run must leave
 * every table as it was, with one exception that is reported but allowed:
 * a failure after the write's last commit (reading back what it stored),
 * where the change stands and only the answer is an error. A change after
 * some but not all of the write's commits is a half-done write: a failure.
 */
static void
fail_each(const struct write_case *w, enum ob_db_failpoint kind, struct tally *t)
{
    static struct snapshot before;
    long changed_after[256], commits, total;
    char changed[256][256];
    int nchanged = 0;
    long i;

    prepare(w, &before);
    for (i = 1;; i++) {
        struct ob_ctx *ctx = begin(w->as);
        int rc;
        bool fired, stored;

        ob_db_failpoint_arm(kind, i);
        rc = w->write(ctx);
        fired = ob_db_failpoint_fired(&commits);
        total = ob_db_failpoint_commits();
        stored = total > 0 || ob_db_failpoint_outside() > 0;
        ob_db_failpoint_arm(kind, 0);
        if (!fired) {
            if (rc != 0)
                fail_msg("%s: %s: fails with nothing injected (%s:%ld not reached): %d %s",
                         eng.name, w->name, kinds[kind], i, rc, ctx->err.message);
            end();
            break;
        }
        if (rc == 0)
            fail_msg("%s: %s: succeeds though %s %ld failed (%s)", eng.name, w->name, kinds[kind],
                     i, ob_db_errmsg(fx.db));
        if (ctx->err.rc == 0)
            fail_msg("%s: %s: %s %ld failed (%d) with ctx->err not set", eng.name, w->name,
                     kinds[kind], i, rc);
        end();
        if (ob_db_in_tx(fx.db))
            fail_msg("%s: %s: %s %ld failed and left a transaction open", eng.name, w->name,
                     kinds[kind], i);
        if (!stored && !hash_all) {
            t->unhashed++;
            continue;
        }
        if (*db_changed(&before, changed[nchanged], sizeof(changed[0]))) {
            if (commits == 0)
                fail_msg("%s: %s: %s %ld failed before any commit and these tables changed: %s",
                         eng.name, w->name, kinds[kind], i, changed[nchanged]);
            if (nchanged == 255)
                fail_msg("%s: %s: too many changes", eng.name, w->name);
            changed_after[nchanged++] = commits;
            prepare(w, &before); /* the change stands: start again from it */
        }
    }
    for (int k = 0; k < nchanged; k++) {
        if (changed_after[k] != total)
            fail_msg("%s: %s: a %s failed after %ld of the write's %ld commits and these tables "
                     "changed: %s",
                     eng.name, w->name, kinds[kind], changed_after[k], total, changed[k]);
        t->late++;
    }
    t->points[kind] = i - 1;
}

static void
test_every_failure_point(void **state)
{
    long total = 0, late = 0, unhashed = 0;
    int64_t t0 = ob_clock_mono_us();

    (void)state;
    hash_us = 0;
    hash_all = getenv("OBLAKO_FAULTS_HASH_ALL") && !strcmp(getenv("OBLAKO_FAULTS_HASH_ALL"), "1");
    for (size_t k = 0; k < NELEM(writes); k++) {
        struct tally t = {{0, 0, 0}, 0, 0};

        for (int kind = 0; kind < 3; kind++)
            fail_each(&writes[k], (enum ob_db_failpoint)kind, &t);
        printf("  %-28s %3ld prepare %3ld step %2ld commit", writes[k].name, t.points[0],
               t.points[1], t.points[2]);
        if (t.late)
            printf(" (%ld after its last commit)", t.late);
        printf("\n");
        total += t.points[0] + t.points[1] + t.points[2];
        late += t.late;
        unhashed += t.unhashed;
    }
    printf("  %s: %zu writes, %ld failure points (%ld after the last commit; %ld stored nothing, "
           "not hashed) in %.1f s (%.1f s of it hashing the tables)\n",
           eng.name, NELEM(writes), total, late, unhashed,
           (double)(ob_clock_mono_us() - t0) / 1e6, (double)hash_us / 1e6);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_failure_point),
    };
    struct ob_err err = {0};
    int failed;

    ob_log_set_level("error");
    if (ob_rand_init() != 0 || ob_tz_set("Europe/Moscow", &err) != 0)
        return 1;
    ob_subscriptions_init();
    ob_areas_init();
    failed = cmocka_run_group_tests_name("sqlite", tests, sqlite_setup, sqlite_teardown);
    if (getenv("OBLAKO_TEST_PG_URL") && *getenv("OBLAKO_TEST_PG_URL"))
        failed += cmocka_run_group_tests_name("postgres", tests, pg_setup, pg_teardown);
    else
        printf("[  SKIPPED ] postgres: OBLAKO_TEST_PG_URL is not set\n");
    return failed;
}
