/*
 * test_webhook.c — the fan-out of events to webhook endpoints
 * (model/core/event.c) and the order, back-off and disabling of deliveries
 * (model/notices/webhook.h), on a migrated database of each engine.
 *
 * The fan-out: an event of a partner reaches that partner's active
 * endpoints and the provider's whose kinds include the event's kind (no
 * kinds: every kind); never another partner's, never a disabled one. The
 * order: one due delivery per endpoint, the oldest; a failed head holds the
 * later ones back until its next attempt. Three days of failures make the
 * head dead and disable the endpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/ctx.h"
#include "base/err.h"
#include "base/log.h"
#include "base/rand.h"
#include "db/db.h"
#include "model/core/event.h"
#include "model/notices/webhook.h"
#include "unit.h"
#include "unit_engine.h"
#include "base/banned.h"

extern const struct ob_migration ob_migrations[];
extern const int ob_nmigrations;

#define T0 1800000000LL

struct fx {
    struct ob_db *db;
    struct ob_ctx ctx;
    int64_t provider, a, b;
    int64_t e_all, e_one, e_other, e_prov, e_off;
};

static void
exec_ok(struct fx *f, const char *sql)
{
    if (ob_db_exec(f->db, sql) != 0)
        fail_msg("%s: %s: %s", eng.name, sql, ob_db_errmsg(f->db));
}

static int64_t
account(struct fx *f, const char *kind, const char *name)
{
    int64_t id = 0;

    if (ob_db_get_int(
            f->db, &id,
            "INSERT INTO accounts (kind, name, created_at, updated_at) VALUES (?, ?, 0, 0) "
            "RETURNING id",
            "tt", kind, name) != OB_DB_ROW)
        fail_msg("%s: account: %s", eng.name, ob_db_errmsg(f->db));
    return id;
}

static int64_t
endpoint(struct fx *f, int64_t acc, const char *state, const char *kind)
{
    int64_t id = 0;

    if (ob_db_get_int(f->db, &id,
                      "INSERT INTO webhook_endpoints (account_id, url, secret, all_kinds, state, "
                      "created_at, updated_at) VALUES (?, 'https://hooks.example/', "
                      "'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ?, ?, 0, 0) RETURNING id",
                      "iit", acc, (int64_t)(kind == NULL), state) != OB_DB_ROW)
        fail_msg("%s: endpoint: %s", eng.name, ob_db_errmsg(f->db));
    if (kind &&
        ob_db_run(f->db, "INSERT INTO webhook_endpoint_kinds VALUES (?, ?)", "it", id, kind) < 0)
        fail_msg("%s: kind: %s", eng.name, ob_db_errmsg(f->db));
    return id;
}

/* The business clock at t. */
static void
at(struct fx *f, int64_t t)
{
    f->ctx.now = t;
    f->ctx.clock_ready = true;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct ob_err err = {0};

    if (ob_db_open(eng.url, NULL, &f->db, &err) != 0)
        fail_msg("%s: cannot open '%s': %s", eng.name, eng.url, err.message);
    if (ob_db_migrate(f->db, ob_migrations, ob_nmigrations, NULL, &err) != 0)
        fail_msg("%s: migrate: %s", eng.name, err.message);
    exec_ok(f, "DELETE FROM webhook_attempts; DELETE FROM webhook_deliveries; "
               "DELETE FROM webhook_endpoint_kinds; DELETE FROM webhook_endpoints; "
               "DELETE FROM events; DELETE FROM audit; DELETE FROM outbox; "
               "DELETE FROM memberships; DELETE FROM accounts");
    ob_ctx_init(&f->ctx, f->db, NULL);
    f->ctx.actor.system = true;
    at(f, T0);
    f->provider = account(f, "provider", "Провайдер");
    f->a = account(f, "partner", "Партнёр А");
    f->b = account(f, "partner", "Партнёр Б");
    f->e_all = endpoint(f, f->a, "active", NULL);
    f->e_one = endpoint(f, f->a, "active", "x.one");
    f->e_other = endpoint(f, f->b, "active", NULL);
    f->e_prov = endpoint(f, f->provider, "active", "x.two");
    f->e_off = endpoint(f, f->a, "disabled", NULL);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    ob_ctx_release(&f->ctx);
    ob_db_close(f->db);
    free(f);
    return 0;
}

static int64_t
emit(struct fx *f, const char *kind, int64_t partner)
{
    json_t *data = json_pack("{s:s}", "k", kind);
    int64_t id = 0;

    if (ob_event_emit(&f->ctx, kind, partner, 0, data, &id) != 0)
        fail_msg("%s: emit: %s", eng.name, f->ctx.err.message);
    json_decref(data);
    return id;
}

static int64_t
count(struct fx *f, int64_t event, int64_t endpoint)
{
    int64_t n = -1;

    if (ob_db_get_int(f->db, &n,
                      "SELECT COUNT(*) FROM webhook_deliveries WHERE event_id = ? "
                      "AND (? = 0 OR endpoint_id = ?)",
                      "iii", event, endpoint, endpoint) != OB_DB_ROW)
        fail_msg("%s: count: %s", eng.name, ob_db_errmsg(f->db));
    return n;
}

/* R-NOT-3: the partner's endpoints and the provider's, by kind. */
static void
test_webhook_fanout(void **state)
{
    struct fx *f = *state;
    int64_t one = emit(f, "x.one", f->a), two = emit(f, "x.two", f->a);
    int64_t provider_only = emit(f, "x.two", 0), other = emit(f, "x.three", f->b);

    assert_int_equal(count(f, one, 0), 2);
    assert_int_equal(count(f, one, f->e_all), 1);
    assert_int_equal(count(f, one, f->e_one), 1);
    assert_int_equal(count(f, two, 0), 2);
    assert_int_equal(count(f, two, f->e_all), 1);
    assert_int_equal(count(f, two, f->e_prov), 1);
    assert_int_equal(count(f, provider_only, 0), 1);
    assert_int_equal(count(f, provider_only, f->e_prov), 1);
    assert_int_equal(count(f, other, 0), 1);
    assert_int_equal(count(f, other, f->e_other), 1);
    /* never the disabled endpoint, never another partner's */
    for (int64_t e = one; e <= other; e++)
        assert_int_equal(count(f, e, f->e_off), 0);
    assert_int_equal(count(f, one, f->e_other), 0);
}

static int
due(struct fx *f, struct ob_webhook_send *out, int max)
{
    int n = ob_webhook_due(&f->ctx, out, max);

    if (n < 0)
        fail_msg("%s: due: %s", eng.name, f->ctx.err.message);
    return n;
}

static const struct ob_webhook_send *
due_of(const struct ob_webhook_send *d, int n, int64_t endpoint)
{
    const struct ob_webhook_send *found = NULL;

    for (int i = 0; i < n; i++)
        if (d[i].endpoint == endpoint) {
            if (found)
                fail_msg("%s: two due deliveries of endpoint %lld", eng.name, (long long)endpoint);
            found = &d[i];
        }
    return found;
}

static void
attempt(struct fx *f, const struct ob_webhook_send *s, bool ok)
{
    assert_int_equal(ob_webhook_claim(&f->ctx, s), 1);
    assert_int_equal(ob_webhook_claim(&f->ctx, s), 0); /* a second runner sends nothing */
    if (ob_webhook_record(&f->ctx, s, ok, ok ? 204 : 503, 5, ok ? "" : "answered 503") != 0)
        fail_msg("%s: record: %s", eng.name, f->ctx.err.message);
}

static const char *
state_of(struct fx *f, const char *table, int64_t id)
{
    static char s[32];
    char sql[96];

    snprintf(sql, sizeof(sql), "SELECT state FROM %s WHERE id = ?", table);
    if (ob_db_get_text(f->db, s, sizeof(s), sql, "i", id) != OB_DB_ROW)
        fail_msg("%s: state: %s", eng.name, ob_db_errmsg(f->db));
    return s;
}

/* In order per endpoint; back-off by the business clock. */
static void
test_webhook_order_and_backoff(void **state)
{
    struct fx *f = *state;
    struct ob_webhook_send d[16];
    const struct ob_webhook_send *head;
    int64_t first = emit(f, "x.one", f->a), second = emit(f, "x.four", f->a);
    int n = due(f, d, 16);

    head = due_of(d, n, f->e_all);
    assert_non_null(head);
    assert_int_equal(head->event, first);
    assert_int_equal(head->attempt, 1);
    attempt(f, head, false);
    n = due(f, d, 16);
    assert_null(due_of(d, n, f->e_all)); /* the second waits behind the failed first */
    at(f, T0 + 59);
    n = due(f, d, 16);
    assert_null(due_of(d, n, f->e_all));
    at(f, T0 + 60); /* 1 min after the first failure */
    n = due(f, d, 16);
    head = due_of(d, n, f->e_all);
    assert_non_null(head);
    assert_int_equal(head->event, first);
    assert_int_equal(head->attempt, 2);
    attempt(f, head, true);
    n = due(f, d, 16);
    head = due_of(d, n, f->e_all);
    assert_non_null(head);
    assert_int_equal(head->event, second);
    assert_string_equal(state_of(f, "webhook_endpoints", f->e_all), "active");
}

/* Three days of failures: the head is dead, the endpoint disabled. */
static void
test_webhook_disabled_after_three_days(void **state)
{
    struct fx *f = *state;
    static const int64_t steps[] = {60,    300,   1800,  7200,  18000, 36000,
                                    43200, 43200, 43200, 43200, 43200};
    struct ob_webhook_send d[16];
    const struct ob_webhook_send *head;
    int64_t t = T0, delivery = 0;
    int n;

    emit(f, "x.three", f->b);
    emit(f, "x.three", f->b);
    for (size_t i = 0; i <= sizeof(steps) / sizeof(steps[0]); i++) {
        n = due(f, d, 16);
        head = due_of(d, n, f->e_other);
        assert_non_null(head);
        delivery = head->delivery;
        assert_string_equal(state_of(f, "webhook_endpoints", f->e_other), "active");
        attempt(f, head, false);
        if (i < sizeof(steps) / sizeof(steps[0]))
            at(f, t += steps[i]);
    }
    /* T0 + 77 h 36 min: over three days since the first failure */
    assert_true(t - T0 >= 3 * 86400);
    assert_string_equal(state_of(f, "webhook_endpoints", f->e_other), "disabled");
    assert_string_equal(state_of(f, "webhook_deliveries", delivery), "dead");
    at(f, t + 86400);
    n = due(f, d, 16);
    assert_null(due_of(d, n, f->e_other)); /* the second waits: the endpoint is off */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_webhook_fanout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_order_and_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_disabled_after_three_days, setup, teardown),
    };
    int failed;

    if (ob_rand_init() != 0)
        return 1;
    ob_log_set_level("error");
    failed =
        cmocka_run_group_tests_name("sqlite", tests, sqlite_group_setup, sqlite_group_teardown);
    if (getenv("OBLAKO_TEST_PG_URL") && *getenv("OBLAKO_TEST_PG_URL"))
        failed += cmocka_run_group_tests_name("postgres", tests, pg_group_setup, pg_group_teardown);
    else
        printf("[  SKIPPED ] postgres: OBLAKO_TEST_PG_URL is not set\n");
    return failed;
}
