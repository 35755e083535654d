/*
 * test_config.c — settings from flags, environment, a config file and
 * defaults (base/config.h).
 *
 * Every test starts from an environment without OBLAKO_* variables and writes
 * its config file, if any, to a fresh temporary file, so the tests do not
 * depend on the machine or on each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/config.h"
#include "base/err.h"
#include "unit.h"
#include "base/banned.h"

extern char **environ;

#define MAX_ARGS 16

/* argv as main() would get it: writable, because ob_config_load compacts the
 * positional arguments in place. */
struct args {
    char *v[MAX_ARGS];
    int n;
};

static void
args_set(struct args *a, const char *const *src)
{
    a->n = 0;
    for (; src && *src && a->n < MAX_ARGS; src++)
        a->v[a->n++] = (char *)*src;
}

static void
clean_env(void)
{
    char names[64][64];
    int n = 0;

    for (char **e = environ; *e && n < 64; e++) {
        const char *eq = strchr(*e, '=');

        if (!strncmp(*e, "OBLAKO_", 7) && eq && (size_t)(eq - *e) < sizeof(names[0]))
            snprintf(names[n++], sizeof(names[0]), "%.*s", (int)(eq - *e), *e);
    }
    for (int i = 0; i < n; i++)
        unsetenv(names[i]);
}

/* Write `text` to a new temporary file; its name goes into path. */
static void
write_file(char path[64], const char *text)
{
    int fd;
    FILE *f;

    snprintf(path, 64, "/tmp/oblako-unit-cfg-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int
setup(void **state)
{
    (void)state;
    clean_env();
    return 0;
}

static void
test_config_defaults(void **state)
{
    struct ob_config cfg;
    struct ob_err err = { 0 };
    char **rest = NULL;
    int nrest = -1;

    (void)state;
    assert_int_equal(ob_config_load(&cfg, OB_CMD_SERVE, 0, NULL, &rest, &nrest, &err), 0);
    assert_string_equal(cfg.db, "sqlite:./oblako.db");
    assert_string_equal(cfg.listen, "127.0.0.1:8080");
    assert_string_equal(cfg.tz, "Europe/Moscow");
    assert_string_equal(cfg.config, "");
    assert_int_equal(cfg.threads, 4);
    assert_int_equal(cfg.json_depth, 32);
    assert_int_equal(cfg.body_max, 1048576);
    assert_true(cfg.jobs);
    assert_false(cfg.test_clock);
    assert_int_equal(cfg.per_address_connections, 64);
    assert_int_equal(cfg.head_timeout_seconds, 10);
    assert_string_equal(cfg.trusted_proxies, "");
    assert_int_equal(nrest, 0);
    assert_int_equal(ob_config_load(&cfg, OB_CMD_INIT, 0, NULL, NULL, NULL, &err), 0);
    assert_string_equal(cfg.tz, "Europe/Moscow");
}

static void
note(const char *name, bool live, void *arg)
{
    char *out = arg;

    snprintf(out + strlen(out), 256 - strlen(out), "%s%s:%d", *out ? "," : "", name, live);
}

/* SIGHUP's pieces: the live snapshot (published whole, generation + 1, the
 * previous one left readable), a refused one changing nothing, the diff
 * naming what changed and whether it is live, the sample naming every
 * setting once. */
static void
test_config_live(void **state)
{
    struct ob_config a, b;
    struct ob_err err = { 0 };
    const struct ob_live *first, *second;
    char changed[256] = "", *text = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    assert_int_equal(ob_config_load(&a, OB_CMD_SERVE, 0, NULL, NULL, NULL, &err), 0);
    b = a;
    snprintf(b.trusted_proxies, sizeof(b.trusted_proxies), "10.0.0.0/8, 192.0.2.1");
    snprintf(b.request_log_level, sizeof(b.request_log_level), "warn");
    snprintf(b.metrics_token, sizeof(b.metrics_token), "t1");
    b.threads = 9;
    ob_config_diff(&a, &b, note, changed);
    assert_string_equal(changed, "threads:0,trusted-proxies:1,request-log-level:1,metrics-token:1");
    assert_int_equal(ob_live_publish(&a, &err), 0);
    first = ob_live();
    assert_non_null(first);
    assert_int_equal(first->nproxies, 0);
    assert_int_equal(ob_live_publish(&b, &err), 0);
    second = ob_live();
    assert_ptr_not_equal(first, second);
    assert_int_equal(second->generation, first->generation + 1);
    assert_int_equal(second->nproxies, 2);
    assert_int_equal(second->request_log_level, 2);
    assert_string_equal(second->metrics_token, "t1");
    assert_int_equal(first->nproxies, 0);   /* the old one is still readable */
    snprintf(b.log_level, sizeof(b.log_level), "loud");
    assert_int_equal(ob_live_publish(&b, &err), OB_EINVAL);
    assert_ptr_equal(ob_live(), second);
    snprintf(b.log_level, sizeof(b.log_level), "info");
    snprintf(b.trusted_proxies, sizeof(b.trusted_proxies), "10.0.0.0/33");
    assert_int_equal(ob_live_publish(&b, &err), OB_EINVAL);
    assert_ptr_equal(ob_live(), second);
    ob_config_copy_live(&a, &b);
    assert_string_equal(a.trusted_proxies, "10.0.0.0/33");
    assert_int_equal(a.threads, 4);
    f = open_memstream(&text, &len);
    ob_config_sample(f);
    fclose(f);
    assert_non_null(strstr(text, "\nthreads = 4\n"));
    assert_non_null(strstr(text, "\ntrusted-proxies =\n"));
    assert_null(strstr(text, "\nconfig ="));
    assert_non_null(strstr(text, "OBLAKO_LOG_FILE; reloaded on SIGHUP)\nlog-file =\n"));
    free(text);
}

static const struct precedence_case {
    const char *name;
    const char *file;           /* config file text, or NULL for none */
    const char *env;            /* OBLAKO_THREADS, or NULL */
    const char *flag[3];        /* flags after the command */
    int want_threads;
    const char *want_listen;
} precedence_cases[] = {
    { "default only", NULL, NULL, { NULL }, 4, "127.0.0.1:8080" },
    { "file over default", "threads = 8\nlisten = 10.0.0.1:1\n", NULL, { NULL }, 8, "10.0.0.1:1" },
    { "env over file", "threads = 8\n", "16", { NULL }, 16, "127.0.0.1:8080" },
    { "flag over env over file", "threads = 8\n", "16", { "--threads", "32" }, 32,
      "127.0.0.1:8080" },
    { "flag over file", "threads=8\n", NULL, { "--threads=32" }, 32, "127.0.0.1:8080" },
    { "flag over env", NULL, "16", { "--threads", "32" }, 32, "127.0.0.1:8080" },
    { "env over default", NULL, "16", { NULL }, 16, "127.0.0.1:8080" },
    { "last flag wins", NULL, NULL, { "--threads=5", "--threads=6" }, 6, "127.0.0.1:8080" },
    { "file comments and blanks", "# a comment\n\n   threads   =   9   \n", NULL, { NULL }, 9,
      "127.0.0.1:8080" },
};

static void
run_precedence(const struct precedence_case *c, int file_by_env)
{
    struct ob_config cfg;
    struct ob_err err = { 0 };
    const char *argv[8] = { NULL };
    char path[64] = "";
    struct args a;
    int n = 0;

    clean_env();
    if (c->file) {
        write_file(path, c->file);
        if (file_by_env) {
            setenv("OBLAKO_CONFIG", path, 1);
        } else {
            argv[n++] = "--config";
            argv[n++] = path;
        }
    }
    if (c->env)
        setenv("OBLAKO_THREADS", c->env, 1);
    for (int i = 0; i < 3 && c->flag[i]; i++)
        argv[n++] = c->flag[i];
    args_set(&a, argv);
    if (ob_config_load(&cfg, OB_CMD_SERVE, a.n, a.v, NULL, NULL, &err) != 0)
        fail_msg("%s: %s", c->name, err.message);
    CHECK_INT(c->name, cfg.threads, c->want_threads);
    CHECK_STR(c->name, cfg.listen, c->want_listen);
    CHECK_STR(c->name, cfg.config, path);
    if (*path)
        unlink(path);
}

static void
test_config_precedence(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(precedence_cases); i++) {
        run_precedence(&precedence_cases[i], 0);   /* file named by --config */
        run_precedence(&precedence_cases[i], 1);   /* file named by OBLAKO_CONFIG */
    }
}

static const struct error_case {
    const char *name;
    enum ob_cmd cmd;
    const char *argv[4];
    const char *env_name, *env_value;
    const char *file;
    const char *want_field, *want_in_message;
} error_cases[] = {
    { "unknown option", OB_CMD_SERVE, { "--bogus" }, NULL, NULL, NULL, "options",
      "unknown option '--bogus'" },
    { "unknown option with value", OB_CMD_SERVE, { "--bogus=1" }, NULL, NULL, NULL, "options",
      "unknown option '--bogus'" },
    { "single-dash option", OB_CMD_SERVE, { "-x" }, NULL, NULL, NULL, "options",
      "unknown option '-x'" },
    { "--listen is not an init option", OB_CMD_INIT, { "--listen", "0.0.0.0:1" }, NULL, NULL, NULL,
      "options", "'--listen' does not apply" },
    { "--test-clock is not a migrate option", OB_CMD_MIGRATE, { "--test-clock" }, NULL, NULL,
      NULL, "options", "'--test-clock' does not apply" },
    { "--no-jobs is not an init option", OB_CMD_INIT, { "--no-jobs" }, NULL, NULL, NULL,
      "options", "'--jobs' does not apply" },
    { "--no- of a string", OB_CMD_SERVE, { "--no-listen" }, NULL, NULL, NULL, "options",
      "unknown option '--no-listen'" },
    { "--no- with a value", OB_CMD_SERVE, { "--no-jobs=true" }, NULL, NULL, NULL, "options",
      "unknown option" },
    { "bad int", OB_CMD_SERVE, { "--threads", "many" }, NULL, NULL, NULL, "threads",
      "wants a whole number from 1 to 256, not 'many'" },
    { "int with trailing junk", OB_CMD_SERVE, { "--threads=4x" }, NULL, NULL, NULL, "threads",
      "not '4x'" },
    { "int below the minimum", OB_CMD_SERVE, { "--threads=0" }, NULL, NULL, NULL, "threads",
      "from 1 to 256" },
    { "int above the maximum", OB_CMD_SERVE, { "--threads=257" }, NULL, NULL, NULL, "threads",
      "from 1 to 256" },
    { "empty int", OB_CMD_SERVE, { "--threads=" }, NULL, NULL, NULL, "threads", "not ''" },
    { "int overflow", OB_CMD_SERVE, { "--body-max=99999999999999999999" }, NULL, NULL, NULL,
      "body-max", "whole number" },
    { "bad bool", OB_CMD_SERVE, { "--jobs=maybe" }, NULL, NULL, NULL, "jobs",
      "wants true or false, not 'maybe'" },
    { "missing value", OB_CMD_SERVE, { "--listen" }, NULL, NULL, NULL, "listen",
      "'--listen' needs a value" },
    { "missing value of --config", OB_CMD_SERVE, { "--config" }, NULL, NULL, NULL, "config",
      "needs a value" },
    { "bad int in env", OB_CMD_SERVE, { NULL }, "OBLAKO_THREADS", "abc", NULL, "threads",
      "OBLAKO_THREADS: 'threads' wants a whole number" },
    { "bad bool in env", OB_CMD_SERVE, { NULL }, "OBLAKO_TEST_CLOCK", "sure", NULL,
      "test-clock", "OBLAKO_TEST_CLOCK: 'test-clock' wants true or false" },
    { "unknown key in file", OB_CMD_SERVE, { NULL }, NULL, NULL, "threads = 2\ncolour = red\n",
      "config", ":2: unknown setting 'colour'" },
    { "config is not a file key", OB_CMD_SERVE, { NULL }, NULL, NULL, "config = /etc/x\n",
      "config", "unknown setting 'config'" },
    { "file line without =", OB_CMD_SERVE, { NULL }, NULL, NULL, "threads 2\n", "config",
      ":1: expected 'name = value'" },
    { "bad int in file", OB_CMD_SERVE, { NULL }, NULL, NULL, "\n# x\nthreads = lots\n", "threads",
      ":3: 'threads' wants a whole number" },
    { "missing file", OB_CMD_SERVE, { "--config=/nonexistent/oblako.conf" }, NULL, NULL, NULL,
      "config", "cannot read config file '/nonexistent/oblako.conf'" },
    { "trusted proxy that is not an address", OB_CMD_SERVE,
      { "--trusted-proxies=10.0.0.1, lb.example" }, NULL, NULL, NULL, "trusted-proxies",
      "'lb.example' is not an IP address or CIDR prefix" },
    { "trusted proxy prefix too long", OB_CMD_SERVE, { "--trusted-proxies=10.0.0.0/33" }, NULL,
      NULL, NULL, "trusted-proxies", "'10.0.0.0/33'" },
    { "trusted proxies: empty item at the end", OB_CMD_SERVE, { NULL },
      "OBLAKO_TRUSTED_PROXIES", "10.0.0.1,", NULL, "trusted-proxies", "empty item" },
    { "per-address cap above the connection limit", OB_CMD_SERVE,
      { "--per-address-connections=5000" }, NULL, NULL, NULL, "per-address-connections",
      "from 0 to 4096" },
    { "head timeout of 0", OB_CMD_SERVE, { "--head-timeout-seconds=0" }, NULL, NULL, NULL,
      "head-timeout-seconds", "from 1 to 3600" },
    { "value too long", OB_CMD_SERVE,
      { "--log-level=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }, NULL, NULL, NULL,
      "log-level", "too long" },
};

static void
run_error_case(const struct error_case *c)
{
    struct ob_config cfg;
    struct ob_err err = { 0 };
    const char *argv[8] = { NULL };
    char path[64] = "";
    struct args a;
    int n = 0;

    clean_env();
    if (c->file) {
        write_file(path, c->file);
        argv[n++] = "--config";
        argv[n++] = path;
    }
    for (int i = 0; i < 4 && c->argv[i]; i++)
        argv[n++] = c->argv[i];
    if (c->env_name)
        setenv(c->env_name, c->env_value, 1);
    args_set(&a, argv);
    CHECK_INT(c->name, ob_config_load(&cfg, c->cmd, a.n, a.v, NULL, NULL, &err), OB_EINVAL);
    CHECK_INT(c->name, err.rc, OB_EINVAL);
    CHECK_STR(c->name, err.field, c->want_field);
    if (!strstr(err.message, c->want_in_message))
        fail_msg("%s: message '%s' lacks '%s'", c->name, err.message, c->want_in_message);
    if (*path)
        unlink(path);
}

static void
test_config_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(error_cases); i++)
        run_error_case(&error_cases[i]);
    clean_env();
}

static void
test_config_trusted_proxies(void **state)
{
    const char *argv[] = { "--trusted-proxies", " 10.0.0.0/8 , ::1,192.168.1.7", NULL };
    struct ob_config cfg;
    struct ob_err err = { 0 };
    struct args a;

    (void)state;
    args_set(&a, argv);
    assert_int_equal(ob_config_load(&cfg, OB_CMD_SERVE, a.n, a.v, NULL, NULL, &err), 0);
    assert_string_equal(cfg.trusted_proxies, " 10.0.0.0/8 , ::1,192.168.1.7");
}

static const struct bool_case {
    const char *name;
    const char *argv[3];
    const char *env_jobs;
    bool want_jobs, want_test_clock;
} bool_cases[] = {
    { "defaults", { NULL }, NULL, true, false },
    { "--no-jobs", { "--no-jobs" }, NULL, false, false },
    { "--no-jobs over env", { "--no-jobs" }, "true", false, false },
    { "--jobs over env", { "--jobs" }, "off", true, false },
    { "env off", { NULL }, "off", false, false },
    { "env 0", { NULL }, "0", false, false },
    { "--jobs=no", { "--jobs=no" }, NULL, false, false },
    { "--test-clock", { "--test-clock" }, NULL, true, true },
    { "--test-clock=yes then --no-test-clock", { "--test-clock=yes", "--no-test-clock" }, NULL,
      true, false },
    { "--no-jobs --test-clock", { "--no-jobs", "--test-clock" }, NULL, false, true },
};

static void
test_config_booleans(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(bool_cases); i++) {
        const struct bool_case *c = &bool_cases[i];
        struct ob_config cfg;
        struct ob_err err = { 0 };
        struct args a;
        char **rest = NULL;
        int nrest = -1;

        clean_env();
        if (c->env_jobs)
            setenv("OBLAKO_JOBS", c->env_jobs, 1);
        args_set(&a, c->argv);
        CHECK_INT(c->name, ob_config_load(&cfg, OB_CMD_SERVE, a.n, a.v, &rest, &nrest, &err), 0);
        CHECK_INT(c->name, cfg.jobs, c->want_jobs);
        CHECK_INT(c->name, cfg.test_clock, c->want_test_clock);
        CHECK_INT(c->name, nrest, 0);   /* a flag's argument is not positional */
    }
    clean_env();
}

static void
test_config_name_equals_value(void **state)
{
    static const char *const argv[] = { "--listen=0.0.0.0:9090", "--db=sqlite:/tmp/a=b.db",
                                        "--public-url=", "--body-max=2048", NULL };
    struct ob_config cfg;
    struct ob_err err = { 0 };
    struct args a;

    (void)state;
    args_set(&a, argv);
    assert_int_equal(ob_config_load(&cfg, OB_CMD_SERVE, a.n, a.v, NULL, NULL, &err), 0);
    assert_string_equal(cfg.listen, "0.0.0.0:9090");
    assert_string_equal(cfg.db, "sqlite:/tmp/a=b.db");     /* only the first '=' splits */
    assert_string_equal(cfg.public_url, "");
    assert_int_equal(cfg.body_max, 2048);
}

static void
test_config_positional(void **state)
{
    static const char *const argv[] = { "first", "--threads", "5", "-", "second", "--jobs",
                                        "third", "--", "--threads=9", "-x", NULL };
    static const char *const want[] = { "first", "-", "second", "third", "--threads=9", "-x" };
    struct ob_config cfg;
    struct ob_err err = { 0 };
    struct args a;
    char **rest = NULL;
    int nrest = -1;

    (void)state;
    args_set(&a, argv);
    assert_int_equal(ob_config_load(&cfg, OB_CMD_SERVE, a.n, a.v, &rest, &nrest, &err), 0);
    assert_int_equal(cfg.threads, 5);   /* the one after "--" is not an option */
    assert_true(cfg.jobs);
    assert_int_equal(nrest, (int)NELEM(want));
    for (int i = 0; i < nrest; i++)
        assert_string_equal(rest[i], want[i]);
}

static void
test_config_other_command_settings_ignored(void **state)
{
    struct ob_config cfg;
    struct ob_err err = { 0 };
    char path[64];
    const char *argv[3] = { "--config", NULL, NULL };
    struct args a;

    (void)state;
    /* One file and one environment serve every command: a setting that does
     * not apply to this command is skipped, not refused. */
    write_file(path, "listen = 0.0.0.0:1\nthreads = 3\ndb = sqlite:/tmp/from-file.db\n");
    argv[1] = path;
    setenv("OBLAKO_JOBS", "false", 1);     /* serve's: init takes --test-clock since issue 13 */
    args_set(&a, argv);
    assert_int_equal(ob_config_load(&cfg, OB_CMD_INIT, a.n, a.v, NULL, NULL, &err), 0);
    assert_string_equal(cfg.db, "sqlite:/tmp/from-file.db");
    assert_string_equal(cfg.listen, "127.0.0.1:8080");     /* still the default */
    assert_int_equal(cfg.threads, 4);
    assert_true(cfg.jobs);
    unlink(path);
    clean_env();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_config_defaults, setup),
        cmocka_unit_test_setup(test_config_live, setup),
        cmocka_unit_test_setup(test_config_precedence, setup),
        cmocka_unit_test_setup(test_config_refusals, setup),
        cmocka_unit_test_setup(test_config_trusted_proxies, setup),
        cmocka_unit_test_setup(test_config_booleans, setup),
        cmocka_unit_test_setup(test_config_name_equals_value, setup),
        cmocka_unit_test_setup(test_config_positional, setup),
        cmocka_unit_test_setup(test_config_other_command_settings_ignored, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
