/*
 * config.h — the settings of every command, from flags, environment and an
 * optional config file.
 *
 * Each setting is one row of a table (config.c): its flag name, environment
 * variable, type, default, the commands it applies to and its help text. The
 * order of precedence is: flag, environment, config file, default. Unknown
 * options, options of another command and bad values are refused with a
 * message; the caller exits with status 2.
 */
#ifndef OB_BASE_CONFIG_H
#define OB_BASE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "netaddr.h"

struct ob_err;

enum ob_cmd {
    OB_CMD_SERVE = 1 << 0,
    OB_CMD_INIT = 1 << 1,
    OB_CMD_MIGRATE = 1 << 2,
    OB_CMD_JOBS = 1 << 3,
};

struct ob_store;

struct ob_config {
    char config[256];
    char db[512];
    char listen[128];
    char tz[64];
    char public_url[256];
    char smtp_url[256];
    char mail_from[256];
    char log_level[16];
    char request_log_level[16];
    char log_file[256];         /* the log's file ("" for stderr); reopened on SIGHUP */
    char metrics_token[256];    /* a Bearer token /metrics requires ("" for none) */
    int threads;
    int jobs_interval_ms;
    int drain_seconds;
    int busy_timeout_ms;
    int json_depth;
    int hash_concurrency;
    int session_idle_minutes;
    int session_max_hours;
    int cache_sessions;         /* principal cache bounds (model/identity/principal.h) */
    int cache_tokens;
    int cache_persons;
    int cache_entitlements;
    int link_hours;
    int invite_days;            /* member invitations stay valid this long */
    int invitation_days;        /* invitation codes for registration (R-ONB-1) */
    int signup_limit_address;   /* codes tried per address per window (R-ONB-6) */
    int signup_limit_code;      /* attempts per code per window */
    int signup_limit_minutes;
    int transfer_answer_days;   /* R-TRF-1: the current partner's time to answer */
    int lead_accept_days;       /* R-ONB-7: a partner's time to accept an offered lead */
    int app_idle_seconds;       /* application sessions (R-DA-4) */
    int signup_limit_page;      /* registrations through pages per address per window (R-ONB-6) */
    int signup_limit_page_minutes;
    int app_grace_minutes;
    int area_restore_days;
    int backend_timeout_seconds;
    int rollout_wave;               /* areas updated at once in a roll-out (model/areas/version.h) */
    int rollout_deadline_minutes;   /* how long open sessions delay an area's update */
    int per_address_connections;    /* hostile connections (http/guard.c) */
    int head_timeout_seconds;
    char trusted_proxies[1024];
    char webhook_allow[1024];   /* addresses webhooks may reach despite the SSRF guard */
    char webhook_ca_file[256];  /* CA bundle for webhook HTTPS (else the system's) */
    char pdf_font[256];         /* statement PDFs (export/statement_doc.c) */
    char backup_dir[512];       /* the local backup store (store/local.c) */
    char backup_s3_url[512];    /* the S3 backup store's endpoint and bucket (store/s3.c); when
                                   set it is the store, else backup_dir */
    char backup_keep[64];       /* the retention ladder, "7d,4w,3m" (model/areas/backup.h) */
    /* Runtime, not a setting: the backup store, opened once per process by
     * serve and jobs (main.c) for the jobs runner and the API; NULL in the
     * other commands. */
    struct ob_store *store;
    char backup_s3_region[64];
    char backup_s3_access_key[128];
    char backup_s3_secret_key[256];
    char backup_s3_secret_file[256];
    char backup_s3_ca_file[256];
    bool backup_dir_shared;     /* --backup-dir is on storage every node sees (PostgreSQL) */
    char trial_archive_days[16]; /* never-paid trials (model/areas/archive.h): "" off, else N */
    char trial_delete_days[16];  /* "" off, else M days after archiving */
    char demo_app_url[512];     /* `oblako demo` only */
    char month[8];              /* `oblako jobs run statements --month YYYY-MM` */
    char reminder_offsets[64];  /* R-NOT-1: days from L, "-7,-3,0,5" */
    char demo_app_secret[257];
    long body_max;
    long area_upload_max;       /* R-DA-5: the largest copy uploaded to make an area from */
    bool test_clock;
    bool jobs;
    bool require_totp;
    bool pg_prepare;            /* PostgreSQL: named statements per connection (db/db_pg.c) */
    bool digest_when_empty;     /* R-NOT-2: mail the Monday digest even with nothing in it */
    char admin_email[256];
    char admin_password_file[256];
    char provider_name[256];
};

/* Fill cfg for command `cmd` from defaults, the file, the environment and
 * argv (the options after the command name). Leftover positional arguments
 * are returned in *rest / *nrest. Returns 0 or OB_EINVAL with err set. */
int ob_config_load(struct ob_config *cfg, enum ob_cmd cmd, int argc, char **argv, char ***rest,
                   int *nrest, struct ob_err *err);
/* Print the settings of a command, for `oblako help CMD`. */
void ob_config_help(FILE *out, enum ob_cmd cmd);
/* Print a config file with every setting at its default, each after its help
 * as a comment (`oblako config sample`, docs/oblako.conf.sample). */
void ob_config_sample(FILE *out);

/*
 * Settings that change at run time (SIGHUP, main.c). The server reads them
 * through ob_live(): an immutable snapshot published by a pointer swap, so a
 * request thread sees the old set or the new one, never half of each. A
 * snapshot is never freed (one per reload, a few KiB): a thread may still
 * read the one it loaded. Everything else in struct ob_config is fixed for
 * the life of the process; a reload that changes it is logged as needing a
 * restart and not applied.
 */
struct ob_live {
    unsigned long generation;   /* 1 for the settings at start, +1 per reload */
    int log_level;              /* enum ob_log_level */
    int request_log_level;
    int nproxies;               /* --trusted-proxies, parsed */
    struct ob_netaddr proxies[OB_NETADDR_MAX_LIST];
    char webhook_allow[1024];
    char metrics_token[256];
    const struct ob_live *older; /* the one it replaced: kept, and reachable (LeakSanitizer) */
};

/* The settings published last, or NULL when none was (the commands other
 * than serve; unit tests). */
const struct ob_live *ob_live(void);
/* Build the live settings of cfg (NULL and OB_EINVAL with err for a bad log
 * level or address list) and publish them: the log level takes effect at once. */
int ob_live_publish(const struct ob_config *cfg, struct ob_err *err);
/* Call fn for each setting whose value differs between a and b. */
void ob_config_diff(const struct ob_config *a, const struct ob_config *b,
                    void (*fn)(const char *name, bool live, void *arg), void *arg);
/* Copy the live settings of src into dst (what a reload put in force). */
void ob_config_copy_live(struct ob_config *dst, const struct ob_config *src);
/* The webhook allow list in force: the live one, else cfg's. */
const char *ob_config_webhook_allow(const struct ob_config *cfg);

#endif
