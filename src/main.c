/*
 * main.c — the `oblako` command: serve, init, migrate, jobs, audit, demo,
 * mail, routes, version, help.
 *
 * Every command reads its settings the same way (base/config.c) and refuses
 * unknown or bad options with exit status 2. Commands that touch the
 * database apply pending migrations first and check the recorded service
 * time zone, so a server never runs on a schema or a zone it does not know.
 *
 * serve blocks SIGTERM, SIGINT and SIGHUP in every thread and waits for them
 * in the main thread: on SIGTERM or SIGINT it stops accepting, lets requests
 * in flight finish (--drain-seconds), stops the job runner and exits 0; on
 * SIGHUP it reads its settings again (reload below) and reopens the log file.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "api/api.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rand.h"
#include "db/db.h"
#include "http/http.h"
#include "jobs/jobs.h"
#include "mail/send.h"
#include "demo.h"
#include "model/areas/archive.h"
#include "model/areas/backup.h"
#include "model/areas/membership.h"
#include "model/identity/principal.h"
#include "model/identity/account.h"
#include "model/audit/auditlog.h"
#include "model/catalog/catalog.h"
#include "model/core/job.h"
#include "model/core/outbox.h"
#include "model/identity/person.h"
#include "model/core/setting.h"
#include "model/core/task.h"
#include "model/notices/reminder.h"
#include "model/subscriptions/onboarding.h"
#include "store/store.h"
#include "base/banned.h"

#ifndef OB_VERSION
#define OB_VERSION "0.1.0"
#endif

extern const struct ob_migration ob_migrations[];
extern const int ob_nmigrations;

static const struct command {
    const char *name;
    enum ob_cmd cmd;
    const char *usage, *help;
} commands[] = {
    { "serve", OB_CMD_SERVE, "oblako serve [OPTIONS]",
      "Serve the API, the cabinet and the job runner. Applies pending migrations first;\n"
      "records the time zone on a new database and refuses to start with another one." },
    { "init", OB_CMD_INIT, "oblako init [OPTIONS]",
      "Create or upgrade the schema and record the service time zone." },
    { "migrate", OB_CMD_MIGRATE, "oblako migrate [OPTIONS]", "Apply pending migrations." },
    { "jobs", OB_CMD_JOBS,
      "oblako jobs list | runs [NAME] | run NAME... | run tasks | run statements [--month YYYY-MM] "
      "[OPTIONS]",
      "List periodic jobs and their leases, show past runs, run a job now (it still takes\n"
      "the job's lease, so it never runs beside another node), or run the queued tasks\n"
      "that are due." },
    /* demo and audit share the options of jobs (the database, the time zone). */
    { "demo", OB_CMD_JOBS, "oblako demo [OPTIONS]",
      "Fill the database with demo data (a provider admin, two partners, subscribers and their\n"
      "users, all with the password demo-password) and print the logins. Run once; a database\n"
      "that has them is left as it is." },
    { "audit", OB_CMD_JOBS, "oblako audit verify | seal [OPTIONS]",
      "verify: recompute the audit log's hash chain over every sealed record; report each\n"
      "changed record and each deletion, exit 1 if there is any. seal: run the audit-seal\n"
      "job now (under its lease)." },
    { "mail", OB_CMD_JOBS, "oblako mail list | show ID [OPTIONS]",
      "Read the outbox, every message the service wrote, sent or not (without --smtp-url, as in\n"
      "make demo, mail waits there): list the newest 100 (id, time, state, recipient, subject),\n"
      "or show one with its text, password and invitation links included." },
    /* db shares the options of migrate (the database) */
    { "db", OB_CMD_MIGRATE, "oblako db backup FILE | restore FILE [OPTIONS]",
      "backup: copy the SQLite database, while the server runs and writes, into FILE (written\n"
      "as FILE.part, checked with PRAGMA integrity_check, fsynced, then renamed). restore:\n"
      "replace the database by the copy FILE (checked first: intact, an Oblako schema this\n"
      "build knows); refused while a server or another command has the database open; the\n"
      "replaced file is kept beside it as DB.before-restore-STAMP. PostgreSQL: pg_dump -Fc and\n"
      "pg_restore (docs/deploy.md)." },
};

static void
usage(FILE *out)
{
    fprintf(out, "usage: oblako COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].usage);
    fprintf(out, "  %-8s %s\n  %-8s %s\n  %-8s %s\n", "routes", "print the route table as JSON",
            "version", "print the version", "help", "help [COMMAND]: the options of a command");
    fprintf(out, "  %-8s %s\n", "config",
            "oblako config sample | check [OPTIONS]: print a config file with every setting at "
            "its default, or check the settings (--config FILE) as every command reads them");
}

static const struct command *
find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

static int
cmd_help(int argc, char **argv)
{
    const struct command *c = argc > 0 ? find_command(argv[0]) : NULL;

    if (argc > 0 && !c) {
        fprintf(stderr, "oblako: no command '%s'\n", argv[0]);
        usage(stderr);
        return 2;
    }
    if (!c) {
        usage(stdout);
        return 0;
    }
    printf("usage: %s\n\n%s\n\n", c->usage, c->help);
    ob_config_help(stdout, c->cmd);
    return 0;
}

static int
cmd_routes(void)
{
    json_t *all = json_array();

    for (int i = 0; i < ob_nroutes; i++) {
        const struct ob_route *r = &ob_routes[i];

        json_array_append_new(
            all, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "method", r->method, "path",
                           r->pattern, "tenancy", r->tenancy ? r->tenancy : "", "summary",
                           r->summary, "test_only", (r->flags & OB_ROUTE_TEST) != 0,
                           "session_only", (r->flags & OB_ROUTE_SESSION) != 0, "idempotent",
                           (r->flags & OB_ROUTE_IDEMPOTENT) != 0));
    }
    json_dumpf(all, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(all);
    return 0;
}

static void
fail(const struct ob_err *err)
{
    fprintf(stderr, "oblako: %s\n", err->message);
    if (err->hint[0])
        fprintf(stderr, "hint: %s\n", err->hint);
}

/* What the last prepare_db loaded of the standard catalog, for init to print. */
static struct ob_catalog_load_stats catalog_loaded;

/* Open the database, migrate it, check the time zone and load the standard
 * catalog when it is missing. */
static int
prepare_db(const struct ob_config *cfg, bool check_tz, struct ob_db **db, int *applied)
{
    struct ob_db_opts opts = { cfg->busy_timeout_ms, cfg->pg_prepare };
    struct ob_err err = { 0 };
    struct ob_ctx ctx;
    int rc;

    if (check_tz && ob_tz_set(cfg->tz, &err) != 0) {
        fail(&err);
        return 2;
    }
    /* a shared lock on an SQLite file for this process's life: `db restore`
     * refuses while anyone holds it (db/backup.c) */
    if (ob_db_hold(cfg->db, &err) != 0) {
        fail(&err);
        return 1;
    }
    if (ob_db_open(cfg->db, &opts, db, &err) != 0) {
        fail(&err);
        return 1;
    }
    if (ob_db_migrate(*db, ob_migrations, ob_nmigrations, applied, &err) != 0) {
        fail(&err);
        return 1;
    }
    if (!check_tz)
        return 0;
    ob_ctx_init(&ctx, *db, cfg);
    ctx.actor.system = true;
    snprintf(ctx.request_id, sizeof(ctx.request_id), "start");
    rc = ob_setting_check_tz(&ctx, cfg->tz);
    if (rc == 0)    /* the standard catalog (data/catalog.json), once */
        rc = ob_catalog_load_standard(&ctx, &catalog_loaded);
    if (rc != 0)
        fail(&ctx.err);
    ob_ctx_release(&ctx);
    return rc ? 1 : 0;
}

/* A command's database and a context acting as the system, its log lines
 * tagged with the command's name. Nonzero (the database closed) when the
 * database cannot be opened. */
static int
open_system(const struct ob_config *cfg, const char *name, struct ob_db **db, struct ob_ctx *ctx)
{
    int rc = prepare_db(cfg, true, db, NULL);

    if (rc != 0) {
        ob_db_close(*db);
        return rc;
    }
    ob_ctx_init(ctx, *db, cfg);
    ctx->actor.system = true;
    snprintf(ctx->request_id, sizeof(ctx->request_id), "%s", name);
    return 0;
}

/* On PostgreSQL several nodes may serve one service and any of them may be
 * asked for a download, so a backup folder on one node's own disk would
 * hold copies the others cannot read: refused unless declared shared (a
 * network file system every node mounts) or the store is S3. */
static int
check_backup_dir(const struct ob_config *cfg)
{
    struct ob_err err = { 0 };

    if (cfg->backup_s3_url[0] || cfg->backup_dir_shared || strncmp(cfg->db, "postgres", 8) != 0)
        return 0;
    ob_err_field(&err, OB_EINVAL, "backup-dir-shared", "store.dir_not_shared", "path=%s",
                 cfg->backup_dir);
    fail(&err);
    return 2;
}

static int check_settings(const char *name, enum ob_cmd cmd, const struct ob_config *cfg,
                          char *why, size_t size);

struct changes {
    char live[512], restart[512];
};

static void
note_change(const char *name, bool live, void *arg)
{
    struct changes *c = arg;
    char *list = live ? c->live : c->restart;
    size_t n = strlen(list);

    snprintf(list + n, sizeof(c->live) - n, "%s%s", n ? "," : "", name);
}

/* SIGHUP: read the settings again from the same flags, environment and
 * file. A file or value with an error is refused whole (the settings in
 * force stay); otherwise the log file is reopened and the live settings
 * (base/config.h) are published at once, while a change to any other
 * setting is logged as waiting for a restart and not applied. `applied`
 * holds what is in force, to report only what changed. */
static void
reload(struct ob_config *applied, int argc, char *const *argv)
{
    struct ob_config *next = ob_xcalloc(1, sizeof(*next));
    char **args = ob_xcalloc((size_t)argc + 1, sizeof(*args));
    struct ob_err err = { 0 };
    struct changes ch = { "", "" };
    char why[300] = "", **rest;
    int nrest;

    /* ob_config_load compacts its argv: give it a copy */
    memcpy(args, argv, (size_t)argc * sizeof(*args));
    if (ob_config_load(next, OB_CMD_SERVE, argc, args, &rest, &nrest, &err) != 0)
        snprintf(why, sizeof(why), "%s", err.message);
    else if (check_settings("serve", OB_CMD_SERVE, next, why, sizeof(why)) != 0)
        ;
    else if (ob_log_open(next->log_file) != 0)
        snprintf(why, sizeof(why), "cannot open the log file '%s'", next->log_file);
    else if (ob_live_publish(next, &err) != 0)
        snprintf(why, sizeof(why), "%s", err.message);
    if (why[0]) {
        ob_log(OB_LOG_ERROR, "reload refused; the settings in force are kept", "{s:s, s:s}",
               "why", why, "config", applied->config);
    } else {
        ob_config_diff(applied, next, note_change, &ch);
        if (ch.restart[0])
            ob_log(OB_LOG_WARN, "settings changed that need a restart; not applied",
                   "{s:s}", "settings", ch.restart);
        ob_config_copy_live(applied, next);
        ob_log(OB_LOG_INFO, "settings reloaded", "{s:I, s:s, s:s}", "generation",
               (json_int_t)ob_live()->generation, "changed", ch.live, "log_file",
               next->log_file[0] ? next->log_file : "stderr");
    }
    free(args);
    free(next);
}

static int
cmd_serve(const struct ob_config *cfg, int argc, char *const *argv)
{
    struct ob_server *server = NULL;
    struct ob_runner *runner = NULL;
    struct ob_db *db = NULL;
    static struct ob_config applied;  /* what is in force, for reload's report */
    struct ob_err err = { 0 };
    sigset_t set;
    char url[160];
    int sig = 0, rc;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    applied = *cfg;
    if (ob_live_publish(cfg, &err) != 0) {
        fail(&err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if ((rc = check_backup_dir(cfg)) != 0)
        return rc;
    rc = prepare_db(cfg, true, &db, NULL);
    ob_db_close(db);
    if (rc != 0)
        return rc;
    /* before the worker threads start: they read it (ThreadSanitizer) */
    ob_password_limit(cfg->hash_concurrency);
    ob_principal_init(cfg);     /* sessions, tokens, memberships: bounded by --cache-* */
    ob_api_cache_init(cfg);     /* entitlement answers: --cache-entitlements */
    if (ob_server_start(cfg, &server, url, sizeof(url)) != 0)
        return 1;
    if (cfg->jobs && ob_runner_start(cfg, &runner) != 0) {
        ob_server_stop(server, 0);
        return 1;
    }
    ob_log(OB_LOG_INFO, "listening", "{s:s, s:s, s:s, s:b, s:i}", "url", url, "version",
           OB_VERSION, "time_zone", cfg->tz, "test_clock", cfg->test_clock, "threads",
           cfg->threads);
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
        reload(&applied, argc, argv);
    /* refuse new connections before saying so: whoever reads the line may
     * count on it */
    ob_server_quiesce(server);
    ob_log(OB_LOG_INFO, "signal received; draining", "{s:i, s:i}", "signal", sig,
           "drain_seconds", cfg->drain_seconds);
    ob_server_stop(server, cfg->drain_seconds);
    ob_runner_stop(runner);
    ob_db_group_close();
    ob_principal_shutdown();
    ob_api_cache_shutdown();
    ob_log(OB_LOG_INFO, "stopped", NULL);
    return 0;
}

/* Read the first line of a password file. */
static int
read_password(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f || !fgets(out, (int)size, f)) {
        if (f)
            fclose(f);
        fprintf(stderr, "oblako init: cannot read the password file '%s'\n", path);
        return 2;
    }
    fclose(f);
    n = strcspn(out, "\r\n");
    out[n] = '\0';
    return 0;
}

/* init --admin-email: the provider and its first admin, once. */
static int
init_admin(const struct ob_config *cfg, struct ob_db *db)
{
    char password[OB_PASSWORD_MAX + 2] = "", generated[64] = "";
    struct ob_ctx ctx;
    bool created = false;
    int rc;

    if (cfg->admin_password_file[0] &&
        (rc = read_password(cfg->admin_password_file, password, sizeof(password))) != 0)
        return rc;
    ob_ctx_init(&ctx, db, cfg);
    ctx.actor.system = true;
    snprintf(ctx.request_id, sizeof(ctx.request_id), "init");
    ob_password_limit(1);
    rc = ob_account_init_provider(&ctx, cfg->provider_name, cfg->admin_email,
                                  password[0] ? password : NULL, generated, sizeof(generated),
                                  &created);
    if (rc != 0)
        fail(&ctx.err);
    else if (!created)
        printf("the provider already exists; its admins are unchanged\n");
    else if (generated[0])
        printf("provider admin created; password (shown once): %s\n", generated);
    else
        printf("provider admin created\n");
    ob_ctx_release(&ctx);
    return rc == 0 ? 0 : (rc == OB_EINVAL ? 2 : 1);
}

static int
cmd_init(const struct ob_config *cfg, bool init)
{
    struct ob_db *db = NULL;
    int applied = 0, version = 0;
    int rc = prepare_db(cfg, init, &db, &applied);

    if (rc == 0) {
        ob_db_schema_version(db, &version);
        printf("%s: %d migration%s applied, schema version %d%s%s\n", cfg->db, applied,
               applied == 1 ? "" : "s", version, init ? ", time zone " : "", init ? cfg->tz : "");
        if (init && catalog_loaded.already)
            printf("standard catalog: already loaded\n");
        else if (init)
            printf("standard catalog loaded: %d applications, %d tariffs, %d prices, "
                   "%d promotions, %d ITS levels\n",
                   catalog_loaded.apps, catalog_loaded.tariffs, catalog_loaded.prices,
                   catalog_loaded.promotions, catalog_loaded.its_levels);
        if (init && cfg->admin_email[0])
            rc = init_admin(cfg, db);
    }
    ob_db_close(db);
    return rc;
}

static int
print_job(const struct ob_job_row *r, void *arg)
{
    const struct ob_job_def *d = ob_jobs_find(r->name);
    char until[OB_INSTANT_LEN] = "-";
    bool *seen = arg;

    if (d)
        seen[d - ob_job_defs] = true;
    if (r->holder[0])
        ob_instant_format(r->expires_at, until);
    printf("%-16s last period %-12s %s%s%s\n", r->name, r->last_period[0] ? r->last_period : "-",
           r->holder[0] ? "held by " : "idle", r->holder[0] ? r->holder : "",
           r->holder[0] ? "" : "");
    if (r->holder[0])
        printf("%-16s lease until %s\n", "", until);
    if (d)
        printf("%-16s %s\n", "", d->help);
    return 0;
}

static int
print_run(const struct ob_job_run *r, void *arg)
{
    char started[OB_INSTANT_LEN];

    (void)arg;
    ob_instant_format(r->started_at, started);
    printf("%s\t%s\t%s\t%s\t%s\t%s\n", r->name, r->period, r->result, started, r->node,
           r->detail);
    return 0;
}

static int
cmd_jobs(const struct ob_config *cfg, int argc, char **argv)
{
    struct ob_db *db = NULL;
    struct ob_ctx ctx;
    char node[128], detail[256] = "";
    int rc, count = 0;

    if (argc < 1 || (strcmp(argv[0], "list") && strcmp(argv[0], "runs") &&
                     (strcmp(argv[0], "run") || argc < 2))) {
        fprintf(stderr, "usage: %s\n", commands[3].usage);
        return 2;
    }
    if ((rc = open_system(cfg, "jobs", &db, &ctx)) != 0)
        return rc;
    if (cfg->test_clock)
        ctx.clock_load = ob_testclock_load;
    ob_jobs_node_id(node, sizeof(node));
    if (!strcmp(argv[0], "list")) {
        bool seen[64] = { false };

        /* Every job, not only those that ran once (a job's lease row is made
         * by its first run): the ones never run yet follow. */
        rc = ob_njob_defs <= 64 ? ob_job_list(&ctx, print_job, seen) : OB_EINTERNAL;
        for (int i = 0; rc == 0 && i < ob_njob_defs; i++)
            if (!seen[i])
                printf("%-16s last period %-12s never ran\n%-16s %s\n", ob_job_defs[i].name, "-",
                       "", ob_job_defs[i].help);
    } else if (!strcmp(argv[0], "runs")) {
        rc = ob_job_runs(&ctx, argc > 1 ? argv[1] : NULL, 100, print_run, NULL);
    } else if (!strcmp(argv[1], "tasks")) {
        rc = ob_jobs_drain_tasks(&ctx, node, &count);
        printf("ran %d task%s\n", count, count == 1 ? "" : "s");
    } else if (!strcmp(argv[1], "statements")) {
        /* by hand with progress; the run's own claim keeps it to one node */
        rc = ob_jobs_statements(&ctx, node, cfg->month, stdout, detail, sizeof(detail));
        if (rc == 0)
            printf("statements: %s\n", detail);
    } else {
        /* several names run one after the other, in one process (the time-travel
         * tests run the daily jobs of each day this way); the first failure stops */
        for (int i = 1; i < argc && rc == 0; i++) {
            detail[0] = '\0';
            rc = ob_jobs_run_now(&ctx, node, argv[i], detail, sizeof(detail));
            if (rc == 0)
                printf("%s: %s\n", argv[i], detail);
        }
    }
    if (rc != 0)
        fail(&ctx.err);
    ob_ctx_release(&ctx);
    ob_db_close(db);
    return rc == 0 ? 0 : (rc == OB_ENOTFOUND ? 2 : 1);
}

static int
print_problem(const struct ob_audit_problem *p, void *arg)
{
    char text[256];
    int *shown = arg;

    if ((*shown)++ < 100) {
        ob_auditlog_problem_text(p, text, sizeof(text));
        printf("%s\n", text);
    }
    return 0;
}

static int
cmd_audit(const struct ob_config *cfg, int argc, char **argv)
{
    struct ob_audit_verify_stats vs = { 0 };
    struct ob_db *db = NULL;
    struct ob_ctx ctx;
    char node[128], detail[256] = "";
    int rc, shown = 0;

    if (argc != 1 || (strcmp(argv[0], "verify") && strcmp(argv[0], "seal"))) {
        fprintf(stderr, "usage: %s\n", find_command("audit")->usage);
        return 2;
    }
    if ((rc = open_system(cfg, "audit", &db, &ctx)) != 0)
        return rc;
    if (cfg->test_clock)
        ctx.clock_load = ob_testclock_load;
    ob_jobs_node_id(node, sizeof(node));
    if (!strcmp(argv[0], "seal")) {
        if ((rc = ob_jobs_run_now(&ctx, node, "audit-seal", detail, sizeof(detail))) == 0)
            printf("audit-seal: %s\n", detail);
    } else if ((rc = ob_auditlog_verify(&ctx, print_problem, &shown, &vs)) == 0) {
        if (vs.problems)
            printf("audit log NOT intact: %d problem%s (%lld sealed records, %lld not yet "
                   "sealed)\n", vs.problems, vs.problems == 1 ? "" : "s", (long long)vs.sealed,
                   (long long)vs.unsealed);
        else
            printf("audit log intact: %lld sealed records, %lld not yet sealed\n",
                   (long long)vs.sealed, (long long)vs.unsealed);
    }
    if (rc != 0)
        fail(&ctx.err);
    ob_ctx_release(&ctx);
    ob_db_close(db);
    return rc != 0 || vs.problems ? 1 : 0;
}

static int
print_mail_row(const struct ob_mail *m, void *arg)
{
    char at[OB_INSTANT_LEN];

    (void)arg;
    ob_instant_format(m->created_at, at);
    printf("%lld\t%s\t%s\t%s\t%s\n", (long long)m->id, at, m->state, m->to, m->subject);
    return 0;
}

static int
cmd_mail(const struct ob_config *cfg, int argc, char **argv)
{
    struct ob_db *db = NULL;
    struct ob_ctx ctx;
    struct ob_mail m;
    char at[OB_INSTANT_LEN], *end = NULL;
    long long id = 0;
    int rc;

    if (argc >= 2)
        id = strtoll(argv[1], &end, 10);
    if (!(argc == 1 && !strcmp(argv[0], "list")) &&
        !(argc == 2 && !strcmp(argv[0], "show") && end != argv[1] && !*end && id > 0)) {
        fprintf(stderr, "usage: %s\n", find_command("mail")->usage);
        return 2;
    }
    if ((rc = open_system(cfg, "mail", &db, &ctx)) != 0)
        return rc;
    if (!strcmp(argv[0], "list")) {
        rc = ob_outbox_list(&ctx, 100, print_mail_row, NULL);
    } else if ((rc = ob_outbox_get(&ctx, id, &m)) == 0) {
        ob_instant_format(m.created_at, at);
        printf("Id: %lld\nDate: %s\nState: %s\nTo: %s\nSubject: %s\nMessage-Id: %s\n\n%s",
               (long long)m.id, at, m.state, m.to, m.subject, m.message_id, m.text);
        if (m.text[0] && m.text[strlen(m.text) - 1] != '\n')
            printf("\n");
    }
    if (rc != 0)
        fail(&ctx.err);
    ob_ctx_release(&ctx);
    ob_db_close(db);
    return rc == 0 ? 0 : 1;
}

/* oblako db backup FILE | restore FILE */
static int
cmd_db(const struct ob_config *cfg, int argc, char **argv)
{
    struct ob_err err = { 0 };
    char aside[1200];
    int known = ob_migrations[ob_nmigrations - 1].version;

    if (argc != 2 || (strcmp(argv[0], "backup") && strcmp(argv[0], "restore"))) {
        fprintf(stderr, "usage: %s\n", find_command("db")->usage);
        return 2;
    }
    if (!strcmp(argv[0], "backup")) {
        if (ob_db_backup(cfg->db, argv[1], cfg->busy_timeout_ms, &err) != 0) {
            fail(&err);
            return err.rc == OB_EINVAL ? 2 : 1;
        }
        printf("backup written to %s (integrity ok)\n", argv[1]);
        return 0;
    }
    if (ob_db_restore(cfg->db, argv[1], known, aside, sizeof(aside), &err) != 0) {
        fail(&err);
        return err.rc == OB_EINVAL ? 2 : 1;
    }
    printf("restored %s from %s%s%s\n", cfg->db, argv[1], aside[0] ? "; the replaced file is "
                                                                      "kept at " : "",
           aside);
    return 0;
}

static int
cmd_demo(const struct ob_config *cfg, int nrest)
{
    struct ob_db *db = NULL;
    struct ob_ctx ctx;
    int rc;

    if (nrest > 0) {
        fprintf(stderr, "usage: %s\n", find_command("demo")->usage);
        return 2;
    }
    if ((rc = open_system(cfg, "demo", &db, &ctx)) != 0)
        return rc;
    ob_password_limit(1);
    rc = ob_demo_seed(&ctx);
    if (rc != 0)
        fail(&ctx.err);
    ob_ctx_release(&ctx);
    ob_db_close(db);
    return rc == 0 ? 0 : 1;
}

/* oblako config sample | check [OPTIONS]: the sample file (docs/oblako.conf.sample
 * is its output), or the settings checked as each command reads them. */
static int
cmd_config(int argc, char **argv)
{
    static const enum ob_cmd cmds[] = { OB_CMD_SERVE, OB_CMD_INIT, OB_CMD_MIGRATE, OB_CMD_JOBS };
    static const char *const names[] = { "serve", "init", "migrate", "jobs" };

    if (argc == 1 && !strcmp(argv[0], "sample")) {
        ob_config_sample(stdout);
        return 0;
    }
    if (argc < 1 || strcmp(argv[0], "check") != 0) {
        fprintf(stderr, "usage: oblako config sample | check [--config FILE] [OPTIONS]\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        struct ob_config *cfg = ob_xcalloc(1, sizeof(*cfg));
        char **args = ob_xcalloc((size_t)argc, sizeof(*args)), **rest, why[300] = "";
        struct ob_err err = { 0 };
        int nrest = 0, rc = 0;

        /* only the options a command knows reach it; the file's others are passed over */
        for (int a = 1; a < argc; a++)
            args[a - 1] = argv[a];
        if (ob_config_load(cfg, cmds[i], argc - 1, args, &rest, &nrest, &err) != 0 &&
            strcmp(err.reason, "config.option_not_here") != 0)
            snprintf(why, sizeof(why), "oblako %s: %s", names[i], err.message);
        else if (!err.reason[0])
            check_settings(names[i], cmds[i], cfg, why, sizeof(why));
        if (why[0]) {
            fprintf(stderr, "%s\n", why);
            rc = 2;
        } else if (i == 0) {
            printf("%s: the settings are valid\n", cfg->config[0] ? cfg->config : "(no file)");
        }
        free(args);
        free(cfg);
        if (rc)
            return rc;
    }
    return 0;
}

/* The commands that need no settings: help, version, routes, config. -1 when
 * argv[1] is none of them. */
static int
settings_free(int argc, char **argv)
{
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return cmd_help(argc - 2, argv + 2);
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("oblako %s\n", OB_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "routes"))
        return cmd_routes();
    if (!strcmp(argv[1], "config"))
        return cmd_config(argc - 2, argv + 2);
    return -1;
}

/* Settings from every source, the log level, the libraries: 0, or the exit
 * status of the failure (2 for a usage error). */
/* The checks of settings beyond their type and range (the start's, and a
 * reload's): 0, or 2 with the message in why. */
static int
check_settings(const char *name, enum ob_cmd cmd, const struct ob_config *cfg, char *why,
               size_t size)
{
    struct ob_err err = { 0 };
    enum ob_log_level level;

    if (ob_log_level_parse(cfg->log_level, &level) != 0)
        snprintf(why, size, "oblako %s: log-level must be debug, info, warn or error", name);
    else if (ob_log_level_parse(cfg->request_log_level, &level) != 0)
        snprintf(why, size, "oblako %s: request-log-level must be debug, info, warn or error",
                 name);
    else if ((cmd == OB_CMD_SERVE || cmd == OB_CMD_JOBS) &&
             ob_reminder_offsets_check(cfg->reminder_offsets, &err) != 0)
        snprintf(why, size, "oblako %s: %s", name, err.message);
    else if ((cmd == OB_CMD_SERVE || cmd == OB_CMD_JOBS) &&
             ob_backup_keep_parse(cfg->backup_keep, &(struct ob_backup_keep){ 0, 0, 0 }, &err) !=
                 0)
        snprintf(why, size,
                 "oblako %s: --backup-keep must be like 7d,4w,3m (days, ISO weeks, months)", name);
    else if ((cmd == OB_CMD_SERVE || cmd == OB_CMD_JOBS) &&
             ob_archive_settings(cfg, NULL, &err) != 0)
        snprintf(why, size, "oblako %s: %s", name, err.message);
    else
        return 0;
    return 2;
}

static int
set_up(const struct command *c, struct ob_config *cfg, int argc, char **argv, char ***rest,
       int *nrest)
{
    struct ob_err err = { 0 };
    char why[300];

    if (ob_config_load(cfg, c->cmd, argc - 2, argv + 2, rest, nrest, &err) != 0) {
        fprintf(stderr, "oblako %s: %s\n", c->name, err.message);
        fprintf(stderr, "see 'oblako help %s'\n", c->name);
        return 2;
    }
    if (check_settings(c->name, c->cmd, cfg, why, sizeof(why)) != 0) {
        fprintf(stderr, "%s\n", why);
        return 2;
    }
    ob_log_set_level(cfg->log_level);
    if (cfg->log_file[0] && ob_log_open(cfg->log_file) != 0) {
        fprintf(stderr, "oblako %s: cannot open the log file '%s'\n", c->name, cfg->log_file);
        return 2;
    }
    if (c->cmd != OB_CMD_JOBS && strcmp(c->name, "db") != 0 && *nrest > 0) {
        fprintf(stderr, "oblako %s: unexpected argument '%s'\n", c->name, (*rest)[0]);
        return 2;
    }
    if (ob_rand_init() != 0) {
        fprintf(stderr, "oblako: cannot initialise libsodium\n");
        return 1;
    }
    if (ob_mail_global_init() != 0) {   /* libcurl, before any thread starts */
        fprintf(stderr, "oblako: cannot initialise libcurl\n");
        return 1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    const struct command *c;
    struct ob_config cfg;
    static char **saved;    /* static: reachable to the end (LeakSanitizer) */
    char **rest;
    int nrest, rc;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
#ifdef __GLIBC__
    /* SQLite frees a statement journal (~85 KB) after every write statement
     * of a longer transaction; with glibc's default 128 KB trim threshold
     * each free gave the heap top back to the kernel (brk, and a TLB
     * shootdown on every core), several times the statement's own cost:
     * the reminder pass of bench/reminders.sh ran 5x slower. Keep up to
     * 16 MB of free heap instead. */
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
    /* the layers above tell the layers below what to call back (tools/layers.sh) */
    ob_subscriptions_init();
    ob_areas_init();
    if ((rc = settings_free(argc, argv)) >= 0)
        return rc;
    if (!(c = find_command(argv[1]))) {
        fprintf(stderr, "oblako: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    /* serve reads its flags again on SIGHUP: keep them before set_up
     * compacts argv */
    saved = ob_xcalloc((size_t)argc, sizeof(*saved));
    memcpy(saved, argv + 2, (size_t)(argc - 2) * sizeof(*saved));
    if ((rc = set_up(c, &cfg, argc, argv, &rest, &nrest)) != 0)
        return rc;
    /* the backup store, once per process, for the runner and the API */
    if ((c->cmd == OB_CMD_SERVE || c->cmd == OB_CMD_JOBS) && strcmp(c->name, "demo") &&
        strcmp(c->name, "audit") && strcmp(c->name, "mail")) {
        struct ob_err err = { 0 };

        if (ob_store_open(&cfg, &cfg.store, &err) != 0) {
            fprintf(stderr, "oblako %s: the backup store cannot be opened: %s\n", c->name,
                    err.message);
            return 1;
        }
        ob_log(OB_LOG_DEBUG, "backup store", "{s:s, s:s}", "kind", ob_store_kind(cfg.store),
               "spool", ob_store_spool(cfg.store));
    }
    if (!strcmp(c->name, "audit"))
        return cmd_audit(&cfg, nrest, rest);
    if (!strcmp(c->name, "demo"))
        return cmd_demo(&cfg, nrest);
    if (!strcmp(c->name, "mail"))
        return cmd_mail(&cfg, nrest, rest);
    if (!strcmp(c->name, "db"))
        return cmd_db(&cfg, nrest, rest);
    switch (c->cmd) {
    case OB_CMD_SERVE:
        rc = cmd_serve(&cfg, argc - 2, saved);
        break;
    case OB_CMD_INIT:
        return cmd_init(&cfg, true);
    case OB_CMD_MIGRATE:
        return cmd_init(&cfg, false);
    case OB_CMD_JOBS:
        rc = cmd_jobs(&cfg, nrest, rest);
        break;
    default:
        rc = 2;
    }
    ob_store_close(cfg.store);
    return rc;
}
