/*
 * config.c — the settings table and its three sources.
 *
 * Loading is done in passes over the same table: defaults, then the config
 * file (named by --config or OBLAKO_CONFIG; "name = value" lines, # comments),
 * then the environment, then the flags, each pass overwriting the last. A
 * flag is "--name value" or "--name=value"; a boolean is also "--name" or
 * "--no-name".
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "netaddr.h"
#include "banned.h"

/* T_NETS is a string checked to be a list of IP addresses and CIDR prefixes. */
enum type { T_STR, T_INT, T_SIZE, T_BOOL, T_NETS };

#define ALL (OB_CMD_SERVE | OB_CMD_INIT | OB_CMD_MIGRATE | OB_CMD_JOBS)

static const struct setting {
    const char *name, *env;
    enum type type;
    size_t off, size;
    const char *def;
    int cmds;
    long min, max;
    const char *help;
} settings[] = {
#define S(f) offsetof(struct ob_config, f), sizeof(((struct ob_config *)0)->f)
    { "config", "OBLAKO_CONFIG", T_STR, S(config), "", ALL, 0, 0,
      "a file of 'name = value' lines setting any of these options" },
    { "db", "OBLAKO_DB", T_STR, S(db), "sqlite:./oblako.db", ALL, 0, 0,
      "the database: sqlite:PATH or postgres://USER@HOST:PORT/NAME" },
    { "tz", "OBLAKO_TZ", T_STR, S(tz), "Europe/Moscow", OB_CMD_SERVE | OB_CMD_INIT | OB_CMD_JOBS,
      0, 0,
      "the service time zone; recorded by init, a server started with another one refuses to "
      "start" },
    { "listen", "OBLAKO_LISTEN", T_STR, S(listen), "127.0.0.1:8080", OB_CMD_SERVE, 0, 0,
      "address and port to serve HTTP on (port 0 picks a free one)" },
    { "public-url", "OBLAKO_PUBLIC_URL", T_STR, S(public_url), "http://127.0.0.1:8080",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0, "the URL people reach the service at, used in emails" },
    { "smtp-url", "OBLAKO_SMTP_URL", T_STR, S(smtp_url), "", OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "where mail is delivered, e.g. smtp://127.0.0.1:25 (empty: mail waits in the outbox)" },
    { "mail-from", "OBLAKO_MAIL_FROM", T_STR, S(mail_from), "Oblako <noreply@localhost>",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0, "the From address of the service's emails" },
    { "threads", "OBLAKO_THREADS", T_INT, S(threads), "4", OB_CMD_SERVE, 1, 256,
      "HTTP worker threads, each with its own database connection" },
    { "jobs", "OBLAKO_JOBS", T_BOOL, S(jobs), "true", OB_CMD_SERVE, 0, 0,
      "run scheduled jobs and queued tasks in this server (--no-jobs to leave them to others)" },
    { "jobs-interval-ms", "OBLAKO_JOBS_INTERVAL_MS", T_INT, S(jobs_interval_ms), "1000",
      OB_CMD_SERVE, 10, 3600000, "how often the job runner looks for due work" },
    { "test-clock", "OBLAKO_TEST_CLOCK", T_BOOL, S(test_clock), "false",
      OB_CMD_SERVE | OB_CMD_INIT | OB_CMD_JOBS, 0, 0,
      "enable POST /api/v1/test/clock and the test task kind, and hash passwords at the "
      "minimum cost (init and demo too); for tests only" },
    { "body-max", "OBLAKO_BODY_MAX", T_SIZE, S(body_max), "1048576", OB_CMD_SERVE, 1024,
      1L << 30, "the largest request body accepted, in bytes (larger: 413 too_large)" },
    { "area-upload-max", "OBLAKO_AREA_UPLOAD_MAX", T_SIZE, S(area_upload_max), "209715200",
      OB_CMD_SERVE, 1024, 1L << 40,
      "the largest copy of a data area a client may upload to make a new area from, in bytes "
      "(R-DA-5; larger: 413 before the body is read); it is spooled to disk, never held in "
      "memory" },
    { "per-address-connections", "OBLAKO_PER_ADDRESS_CONNECTIONS", T_INT,
      S(per_address_connections), "64", OB_CMD_SERVE, 0, 4096,
      "connections one client address may hold open at once (0: no cap); trusted proxies are "
      "not capped" },
    { "head-timeout-seconds", "OBLAKO_HEAD_TIMEOUT_SECONDS", T_INT, S(head_timeout_seconds), "10",
      OB_CMD_SERVE, 1, 3600,
      "a connection that has not sent a complete request head this long after it opened, or "
      "after its last answer, is closed" },
    { "trusted-proxies", "OBLAKO_TRUSTED_PROXIES", T_NETS, S(trusted_proxies), "", OB_CMD_SERVE,
      0, 0,
      "comma-separated addresses or CIDR prefixes of load balancers whose X-Forwarded-For names "
      "the client" },
    { "webhook-allow", "OBLAKO_WEBHOOK_ALLOW", T_NETS, S(webhook_allow), "",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "comma-separated addresses or CIDR prefixes webhooks may be delivered to although they "
      "are loopback, private, link-local or otherwise refused (the SSRF guard)" },
    { "backup-dir", "OBLAKO_BACKUP_DIR", T_STR, S(backup_dir), "./backups",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "the directory of the local backup store: backups, archives, exports and uploads of data "
      "areas" },
    { "backup-s3-url", "OBLAKO_BACKUP_S3_URL", T_STR, S(backup_s3_url), "",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "an S3-compatible bucket as the backup store, https://host[:port]/bucket (empty: the "
      "local directory --backup-dir)" },
    { "backup-keep", "OBLAKO_BACKUP_KEEP", T_STR, S(backup_keep), "7d,4w,3m",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "the retention ladder of daily backups (R-DA-5): the newest of each of the last N days (d), "
      "ISO weeks (w) and months (m) is kept, the others deleted; manual copies are kept as far "
      "back as the ladder reaches" },
    { "backup-s3-region", "OBLAKO_BACKUP_S3_REGION", T_STR, S(backup_s3_region), "us-east-1",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0, "the S3 bucket's region, as its requests are signed" },
    { "backup-s3-access-key", "OBLAKO_BACKUP_S3_ACCESS_KEY", T_STR, S(backup_s3_access_key), "",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0, "the access key id of the S3 backup store" },
    { "backup-s3-secret-key", "OBLAKO_BACKUP_S3_SECRET_KEY", T_STR, S(backup_s3_secret_key), "",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "the secret access key of the S3 backup store (better: --backup-s3-secret-file)" },
    { "backup-s3-secret-file", "OBLAKO_BACKUP_S3_SECRET_FILE", T_STR, S(backup_s3_secret_file),
      "", OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "a file whose first line is the S3 secret access key (instead of --backup-s3-secret-key)" },
    { "backup-s3-ca-file", "OBLAKO_BACKUP_S3_CA_FILE", T_STR, S(backup_s3_ca_file), "",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "a PEM file of the certificate authorities the S3 endpoint is checked against (default: "
      "the system's)" },
    { "backup-dir-shared", "OBLAKO_BACKUP_DIR_SHARED", T_BOOL, S(backup_dir_shared), "false",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "declare --backup-dir shared by every node (a network file system): without it `serve` on "
      "PostgreSQL refuses a local backup folder, since any node may serve a download" },
    { "trial-archive-days", "OBLAKO_TRIAL_ARCHIVE_DAYS", T_STR, S(trial_archive_days), "",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "archive the data areas of a trial that was never paid this many days after its last day "
      "of access (1-3650; empty: never, the default: R-SUB-7 deletes nothing on expiry)" },
    { "trial-delete-days", "OBLAKO_TRIAL_DELETE_DAYS", T_STR, S(trial_delete_days), "",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "delete the archive of such a trial this many days after it was archived (1-3650; empty: "
      "archives are kept)" },
    { "webhook-ca-file", "OBLAKO_WEBHOOK_CA_FILE", T_STR, S(webhook_ca_file), "",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "a PEM file of the certificate authorities webhook endpoints are checked against "
      "(default: the system's)" },
    { "json-depth", "OBLAKO_JSON_DEPTH", T_INT, S(json_depth), "32", OB_CMD_SERVE, 2, 1000,
      "the deepest nesting of a JSON body accepted" },
    { "drain-seconds", "OBLAKO_DRAIN_SECONDS", T_INT, S(drain_seconds), "10", OB_CMD_SERVE, 0,
      3600, "on SIGTERM, how long to wait for requests in flight before stopping" },
    { "busy-timeout-ms", "OBLAKO_BUSY_TIMEOUT_MS", T_INT, S(busy_timeout_ms), "5000", ALL, 0,
      600000, "SQLite: how long to wait for a lock before retrying the transaction" },
    { "pg-prepare", "OBLAKO_PG_PREPARE", T_BOOL, S(pg_prepare), "false", ALL, 0, 0,
      "PostgreSQL: prepare each statement once per connection instead of parsing and planning "
      "it on every call; turn it on when the nodes connect to PostgreSQL directly or through a "
      "session-mode pool, keep it off behind pgbouncer in transaction mode" },
    { "hash-concurrency", "OBLAKO_HASH_CONCURRENCY", T_INT, S(hash_concurrency), "2",
      OB_CMD_SERVE, 1, 64,
      "password hashes computed at once (each takes 64 MiB); more sign-ins wait their turn" },
    { "session-idle-minutes", "OBLAKO_SESSION_IDLE_MINUTES", T_INT, S(session_idle_minutes), "30",
      OB_CMD_SERVE, 1, 10080, "a sign-in session unused this long expires" },
    { "session-max-hours", "OBLAKO_SESSION_MAX_HOURS", T_INT, S(session_max_hours), "12",
      OB_CMD_SERVE, 1, 720, "a sign-in session expires this long after sign-in, used or not" },
    { "cache-sessions", "OBLAKO_CACHE_SESSIONS", T_INT, S(cache_sessions), "8192", OB_CMD_SERVE,
      0, 1000000,
      "sign-in sessions a node keeps in memory (about 400 bytes each; 0: read every request "
      "from the database); each use re-reads the person's generation (docs/decisions.md)" },
    { "cache-tokens", "OBLAKO_CACHE_TOKENS", T_INT, S(cache_tokens), "4096", OB_CMD_SERVE, 0,
      1000000, "API tokens a node keeps in memory (about 360 bytes each; 0: none)" },
    { "cache-persons", "OBLAKO_CACHE_PERSONS", T_INT, S(cache_persons), "2048", OB_CMD_SERVE, 0,
      1000000,
      "persons whose row and memberships a node keeps in memory (about 1.9 KB each, up to 8 "
      "memberships a person; 0: none)" },
    { "cache-entitlements", "OBLAKO_CACHE_ENTITLEMENTS", T_INT, S(cache_entitlements), "2048",
      OB_CMD_SERVE, 0, 1000000,
      "entitlement answers a node keeps in memory, one per subscriber and kind of reader "
      "(about 2.1 KB each; 0: none); each use re-reads the subscriber's generation" },
    { "link-hours", "OBLAKO_LINK_HOURS", T_INT, S(link_hours), "24", OB_CMD_SERVE | OB_CMD_JOBS,
      1, 720, "how long an emailed password link stays valid" },
    { "invite-days", "OBLAKO_INVITE_DAYS", T_INT, S(invite_days), "7", OB_CMD_SERVE | OB_CMD_JOBS,
      1, 90, "how long an emailed invitation to join a partner or a subscriber stays valid" },
    { "invitation-days", "OBLAKO_INVITATION_DAYS", T_INT, S(invitation_days), "30",
      OB_CMD_SERVE | OB_CMD_JOBS, 1, 365,
      "how long a partner's invitation code for registration stays valid (R-ONB-1)" },
    { "signup-limit-address", "OBLAKO_SIGNUP_LIMIT_ADDRESS", T_INT, S(signup_limit_address), "20",
      OB_CMD_SERVE, 1, 100000,
      "invitation codes one client address may try per window at sign-up (R-ONB-6)" },
    { "signup-limit-code", "OBLAKO_SIGNUP_LIMIT_CODE", T_INT, S(signup_limit_code), "5",
      OB_CMD_SERVE, 1, 100000, "attempts to activate one invitation code per window (R-ONB-6)" },
    { "signup-limit-minutes", "OBLAKO_SIGNUP_LIMIT_MINUTES", T_INT, S(signup_limit_minutes), "60",
      OB_CMD_SERVE, 1, 10080, "the window of the sign-up limits, in minutes" },
    { "transfer-answer-days", "OBLAKO_TRANSFER_ANSWER_DAYS", T_INT, S(transfer_answer_days), "5",
      OB_CMD_SERVE | OB_CMD_JOBS, 1, 90,
      "how long a partner has to answer a transfer of its client (R-TRF-1); silence agrees" },
    { "signup-limit-page", "OBLAKO_SIGNUP_LIMIT_PAGE", T_INT, S(signup_limit_page), "10",
      OB_CMD_SERVE, 1, 100000,
      "registrations through registration pages one address may make per window (R-ONB-6)" },
    { "signup-limit-page-minutes", "OBLAKO_SIGNUP_LIMIT_PAGE_MINUTES", T_INT,
      S(signup_limit_page_minutes), "60", OB_CMD_SERVE, 1, 10080,
      "the window of --signup-limit-page, in minutes" },
    { "lead-accept-days", "OBLAKO_LEAD_ACCEPT_DAYS", T_INT, S(lead_accept_days), "3",
      OB_CMD_SERVE | OB_CMD_JOBS, 1, 30,
      "how long a partner has to accept an offered lead before it goes back to the pool" },
    { "app-idle-seconds", "OBLAKO_APP_IDLE_SECONDS", T_INT, S(app_idle_seconds), "300",
      OB_CMD_SERVE | OB_CMD_JOBS, 30, 86400,
      "an application window not seen this long stops counting against the session limit" },
    { "app-grace-minutes", "OBLAKO_APP_GRACE_MINUTES", T_INT, S(app_grace_minutes), "30",
      OB_CMD_SERVE, 0, 10080,
      "a blocked subscriber's open windows keep working this long before they are closed" },
    { "area-restore-days", "OBLAKO_AREA_RESTORE_DAYS", T_INT, S(area_restore_days), "14",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 365,
      "a deleted data area can be restored this long before the backend deletes it" },
    { "rollout-wave", "OBLAKO_ROLLOUT_WAVE", T_INT, S(rollout_wave), "20",
      OB_CMD_SERVE | OB_CMD_JOBS, 1, 10000,
      "data areas moved to a new application version at once in a roll-out's wave" },
    { "rollout-deadline-minutes", "OBLAKO_ROLLOUT_DEADLINE_MINUTES", T_INT,
      S(rollout_deadline_minutes), "60", OB_CMD_SERVE | OB_CMD_JOBS, 0, 10080,
      "a data area with open sessions is updated when they close, or this long after its wave "
      "reached it (its windows warned meanwhile), when its sessions are closed" },
    { "backend-timeout-seconds", "OBLAKO_BACKEND_TIMEOUT_SECONDS", T_INT,
      S(backend_timeout_seconds), "10", OB_CMD_SERVE | OB_CMD_JOBS, 1, 600,
      "how long a call to an application backend may take" },
    { "month", "OBLAKO_MONTH", T_STR, S(month), "", OB_CMD_JOBS, 0, 0,
      "jobs run statements: the month to draft, YYYY-MM (default: the month before this one)" },
    { "reminder-offsets", "OBLAKO_REMINDER_OFFSETS", T_STR, S(reminder_offsets), "-7,-3,0,5",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "days from the last day of access L on which its owner and administrators are emailed "
      "(R-NOT-1), comma-separated, each within 60 days; a partner may have its own list" },
    { "pdf-font", "OBLAKO_PDF_FONT", T_STR, S(pdf_font),
      "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "the TrueType font (with Cyrillic) embedded in statement PDFs (Debian fonts-dejavu-core)" },
    { "demo-app-url", "OBLAKO_DEMO_APP_URL", T_STR, S(demo_app_url), "", OB_CMD_JOBS, 0, 0,
      "demo: the reference application backend the demo applications use (make demo starts it)" },
    { "demo-app-secret", "OBLAKO_DEMO_APP_SECRET", T_STR, S(demo_app_secret), "", OB_CMD_JOBS, 0,
      0, "demo: the secret the demo applications share with that backend" },
    { "require-totp", "OBLAKO_REQUIRE_TOTP", T_BOOL, S(require_totp), "false", OB_CMD_SERVE, 0, 0,
      "provider staff must turn on a TOTP second factor before they can act" },
    { "digest-when-empty", "OBLAKO_DIGEST_WHEN_EMPTY", T_BOOL, S(digest_when_empty), "false",
      OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "mail the Monday digest to a partner's operators even when no client's access ends in the "
      "next 14 days or ended in the last 14" },
    { "admin-email", "OBLAKO_ADMIN_EMAIL", T_STR, S(admin_email), "", OB_CMD_INIT, 0, 0,
      "init: the email of the provider's first admin (created once)" },
    { "provider-name", "OBLAKO_PROVIDER_NAME", T_STR, S(provider_name), "Провайдер сервиса",
      OB_CMD_INIT, 0, 0,
      "init: the provider's name, as partners and clients see it (set once, when the provider is "
      "created)" },
    { "admin-password-file", "OBLAKO_ADMIN_PASSWORD_FILE", T_STR, S(admin_password_file), "",
      OB_CMD_INIT, 0, 0,
      "init: a file holding the first admin's password (else one is generated and printed once)" },
    { "log-level", "OBLAKO_LOG_LEVEL", T_STR, S(log_level), "info", ALL, 0, 0,
      "debug, info, warn or error" },
    { "request-log-level", "OBLAKO_REQUEST_LOG_LEVEL", T_STR, S(request_log_level), "info",
      OB_CMD_SERVE, 0, 0, "the level of the line logged per request (make demo: debug)" },
    { "log-file", "OBLAKO_LOG_FILE", T_STR, S(log_file), "", OB_CMD_SERVE | OB_CMD_JOBS, 0, 0,
      "append the log to this file instead of stderr; serve reopens it on SIGHUP, so a "
      "rotation that moves it (logrotate) is followed" },
    { "metrics-token", "OBLAKO_METRICS_TOKEN", T_STR, S(metrics_token), "", OB_CMD_SERVE, 0, 0,
      "when set, GET /metrics wants 'Authorization: Bearer TOKEN' (else 401); put it in the "
      "config file, not on the command line; empty: /metrics is open" },
#undef S
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const struct setting *
find(const char *name, size_t len)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strlen(settings[i].name) == len && strncmp(settings[i].name, name, len) == 0)
            return &settings[i];
    return NULL;
}

static int
parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"))
        *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off"))
        *out = false;
    else
        return -1;
    return 0;
}

static int
set(struct ob_config *cfg, const struct setting *s, const char *v, const char *from,
    struct ob_err *err)
{
    char *p = (char *)cfg + s->off, *end;
    struct ob_err why = { 0 };
    long n;

    switch (s->type) {
    case T_NETS:
        if (ob_netaddr_parse_list(v, NULL, OB_NETADDR_MAX_LIST, &why) < 0)
            return ob_err_field(err, OB_EINVAL, s->name, "config.wants_addresses",
                                "from=%s message=%s", from, why.message);
        /* fall through */
    case T_STR:
        if (strlen(v) >= s->size)
            return ob_err_field(err, OB_EINVAL, s->name, "config.value_too_long", "from=%s", from);
        memcpy(p, v, strlen(v) + 1);
        return 0;
    case T_BOOL:
        if (parse_bool(v, (bool *)p) != 0)
            return ob_err_field(err, OB_EINVAL, s->name, "config.wants_boolean", "from=%s v=%s",
                                from, v);
        return 0;
    case T_INT:
    case T_SIZE:
        errno = 0;
        n = strtol(v, &end, 10);
        if (errno || end == v || *end || n < s->min || n > s->max)
            return ob_err_field(err, OB_EINVAL, s->name, "config.wants_number",
                                "from=%s min=%ld max=%ld v=%s", from, s->min, s->max, v);
        if (s->type == T_INT)
            *(int *)p = (int)n;
        else
            *(long *)p = n;
        return 0;
    }
    return OB_EINVAL;
}

static char *
trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int
load_file(struct ob_config *cfg, enum ob_cmd cmd, const char *path, struct ob_err *err)
{
    char line[1024], where[300];
    FILE *f = fopen(path, "r");
    int lineno = 0, rc = 0;

    if (!f)
        return ob_err_field(err, OB_EINVAL, "config", "config.cannot_read", "path=%s errno=%s",
                            path, strerror(errno));
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        char *s = trim(line), *eq, *name;
        const struct setting *st;

        lineno++;
        if (!*s || *s == '#')
            continue;
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        if (!(eq = strchr(s, '='))) {
            rc = ob_err_field(err, OB_EINVAL, "config", "config.bad_line", "where=%s", where);
            break;
        }
        *eq = '\0';
        name = trim(s);
        st = find(name, strlen(name));
        if (!st || !strcmp(st->name, "config"))
            rc = ob_err_field(err, OB_EINVAL, "config", "config.unknown_setting",
                              "where=%s name=%s", where, name);
        else if (st->cmds & (int)cmd)
            rc = set(cfg, st, trim(eq + 1), where, err);
    }
    fclose(f);
    return rc;
}

static int
load_env(struct ob_config *cfg, enum ob_cmd cmd, struct ob_err *err)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *v = getenv(settings[i].env);
        int rc;

        if (v && (settings[i].cmds & (int)cmd) && strcmp(settings[i].name, "config") != 0)
            if ((rc = set(cfg, &settings[i], v, settings[i].env, err)) != 0)
                return rc;
    }
    return 0;
}

/* One option at argv[*i]; advances *i past its value. */
static int
load_flag(struct ob_config *cfg, enum ob_cmd cmd, int argc, char **argv, int *i,
          struct ob_err *err)
{
    const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct setting *s = find(arg, len);
    bool negated = false;

    if (!s && len > 3 && !strncmp(arg, "no-", 3) && !eq) {
        s = find(arg + 3, len - 3);
        negated = s && s->type == T_BOOL;
        if (!negated)
            s = NULL;
    }
    if (!s)
        return ob_err_field(err, OB_EINVAL, "options", "config.unknown_option", "arg=%.*s",
                            (int)len, arg);
    if (!(s->cmds & (int)cmd))
        return ob_err_field(err, OB_EINVAL, "options", "config.option_not_here", "name=%s",
                            s->name);
    if (s->type == T_BOOL && !eq)
        return set(cfg, s, negated ? "false" : "true", "option", err);
    if (eq)
        return set(cfg, s, eq + 1, "option", err);
    if (*i + 1 >= argc)
        return ob_err_field(err, OB_EINVAL, s->name, "config.option_needs_value");
    *i += 1;
    return set(cfg, s, argv[*i], "option", err);
}

static const char *
config_path(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            return argv[i + 1];
        if (!strncmp(argv[i], "--config=", 9))
            return argv[i] + 9;
    }
    return getenv("OBLAKO_CONFIG");
}

int
ob_config_load(struct ob_config *cfg, enum ob_cmd cmd, int argc, char **argv, char ***rest,
               int *nrest, struct ob_err *err)
{
    const char *path;
    int rc, n = 0;

    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NSETTINGS; i++)
        if ((rc = set(cfg, &settings[i], settings[i].def, "default", err)) != 0)
            return rc;
    if ((path = config_path(argc, argv)) && *path) {
        snprintf(cfg->config, sizeof(cfg->config), "%s", path);
        if ((rc = load_file(cfg, cmd, path, err)) != 0)
            return rc;
    }
    if ((rc = load_env(cfg, cmd, err)) != 0)
        return rc;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            while (++i < argc)
                argv[n++] = argv[i];
            break;
        }
        if (!strncmp(argv[i], "--", 2)) {
            if ((rc = load_flag(cfg, cmd, argc, argv, &i, err)) != 0)
                return rc;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return ob_err_field(err, OB_EINVAL, "options", "config.unknown_argument", "i=%s",
                                argv[i]);
        } else {
            argv[n++] = argv[i];    /* positional: compacted in place */
        }
    }
    if (rest)
        *rest = argv;
    if (nrest)
        *nrest = n;
    return 0;
}

void
ob_config_help(FILE *out, enum ob_cmd cmd)
{
    fprintf(out, "Options (flag, environment variable, default):\n");
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];

        if (!(s->cmds & (int)cmd))
            continue;
        if (s->type == T_BOOL)
            fprintf(out, "  --%s | --no-%s", s->name, s->name);
        else
            fprintf(out, "  --%s VALUE", s->name);
        fprintf(out, "  (%s, default %s%s%s)\n      %s\n", s->env, *s->def ? "'" : "",
                *s->def ? s->def : "none", *s->def ? "'" : "", s->help);
    }
}

static bool ob_config_is_live(const char *name);

/* The help text as "# " comment lines of at most 78 columns. */
static void
comment(FILE *out, const char *text)
{
    const char *p = text;

    while (*p) {
        size_t n = strlen(p), cut = n;

        if (n > 76) {
            cut = 76;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = 76;
        }
        fprintf(out, "# %.*s\n", (int)cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
}

void
ob_config_sample(FILE *out)
{
    static const struct { int bit; const char *name; } cmds[] = {
        { OB_CMD_SERVE, "serve" }, { OB_CMD_INIT, "init" }, { OB_CMD_MIGRATE, "migrate" },
        { OB_CMD_JOBS, "jobs" },
    };

    fprintf(out, "# oblako.conf: every setting at its default (generated by `oblako config "
                 "sample`).\n"
                 "# Read with --config FILE or OBLAKO_CONFIG=FILE; a flag or an environment\n"
                 "# variable overrides the file. Each command takes the settings it knows and\n"
                 "# passes over the others. `oblako config check --config FILE` checks a file.\n"
                 "# On SIGHUP `oblako serve` reads it again: the settings marked \"reloaded on\n"
                 "# SIGHUP\" change at once, a change to another one is logged and waits for a\n"
                 "# restart, and a file with an error is refused whole.\n");
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];
        char used[64] = "";

        if (!strcmp(s->name, "config"))
            continue;
        for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
            if (s->cmds & cmds[c].bit)
                snprintf(used + strlen(used), sizeof(used) - strlen(used), "%s%s",
                         used[0] ? ", " : "", cmds[c].name);
        fprintf(out, "\n");
        comment(out, s->help);
        fprintf(out, "# (%s; %s%s)\n%s =%s%s\n", used, s->env,
                ob_config_is_live(s->name) ? "; reloaded on SIGHUP" : "", s->name,
                *s->def ? " " : "", s->def);
    }
}

/* What SIGHUP changes in a running server (docs/decisions.md). */
static const char *const live_names[] = {
    "log-level", "request-log-level", "log-file", "trusted-proxies", "webhook-allow",
    "metrics-token",
};

static bool
ob_config_is_live(const char *name)
{
    for (size_t i = 0; i < sizeof(live_names) / sizeof(live_names[0]); i++)
        if (!strcmp(live_names[i], name))
            return true;
    return false;
}

void
ob_config_diff(const struct ob_config *a, const struct ob_config *b,
               void (*fn)(const char *name, bool live, void *arg), void *arg)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];
        const char *pa = (const char *)a + s->off, *pb = (const char *)b + s->off;
        bool same = s->type == T_STR || s->type == T_NETS ? strcmp(pa, pb) == 0
                                                          : memcmp(pa, pb, s->size) == 0;

        if (!same && strcmp(s->name, "config") != 0)
            fn(s->name, ob_config_is_live(s->name), arg);
    }
}

void
ob_config_copy_live(struct ob_config *dst, const struct ob_config *src)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (ob_config_is_live(settings[i].name))
            memcpy((char *)dst + settings[i].off, (const char *)src + settings[i].off,
                   settings[i].size);
}

static _Atomic(struct ob_live *) live;
static atomic_ulong live_generation;

const struct ob_live *
ob_live(void)
{
    return atomic_load_explicit(&live, memory_order_acquire);
}

int
ob_live_publish(const struct ob_config *cfg, struct ob_err *err)
{
    struct ob_live *l = ob_xcalloc(1, sizeof(*l));
    enum ob_log_level level, request;
    int n;

    if (ob_log_level_parse(cfg->log_level, &level) != 0 ||
        ob_log_level_parse(cfg->request_log_level, &request) != 0) {
        free(l);
        return ob_err_field(err, OB_EINVAL, "log-level", "config.wants_log_level");
    }
    if ((n = ob_netaddr_parse_list(cfg->trusted_proxies, l->proxies, OB_NETADDR_MAX_LIST,
                                   err)) < 0) {
        free(l);
        return n;
    }
    l->nproxies = n;
    l->log_level = (int)level;
    l->request_log_level = (int)request;
    snprintf(l->webhook_allow, sizeof(l->webhook_allow), "%s", cfg->webhook_allow);
    snprintf(l->metrics_token, sizeof(l->metrics_token), "%s", cfg->metrics_token);
    l->generation = atomic_fetch_add(&live_generation, 1) + 1;
    /* the old snapshot stays allocated: a request thread may be reading it */
    l->older = atomic_load(&live);
    atomic_store_explicit(&live, l, memory_order_release);
    ob_log_set_level(cfg->log_level);
    return 0;
}

const char *
ob_config_webhook_allow(const struct ob_config *cfg)
{
    const struct ob_live *l = ob_live();

    return l ? l->webhook_allow : cfg ? cfg->webhook_allow : "";
}
