/*
 * fuzz_config.c — libFuzzer target for the settings parser (ob_config_load,
 * src/base/config.c): the config file, its "name = value" lines, and the
 * command-line flags.
 *
 * The input is one byte for the command ('0' serve, '1' init, '2' migrate,
 * '3' jobs; any byte modulo 4), the text of the config file up to the first
 * NUL byte, and after it the command line, one argument per NUL-separated
 * word. The file is written to a temporary directory made at start-up and
 * named with --config ahead of the fuzzed arguments; a fuzzed --config is
 * dropped, as it could name a file that never ends (/dev/zero). OBLAKO_*
 * variables are removed from the environment at start-up, so that an input
 * replays alike anywhere.
 *
 * The target checks the contract (see check()): 0 with every string setting
 * terminated inside its field and the positional arguments returned in
 * place, or OB_EINVAL with a message.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/err.h"

extern char **environ;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static char dir[64], path[128];

static void
cleanup(void)
{
    if (!dir[0])
        return;
    unlink(path);
    rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");

    (void)argc;
    (void)argv;
    for (int i = 0; environ[i];) {
        char name[128];
        const char *eq = strchr(environ[i], '=');

        if (!strncmp(environ[i], "OBLAKO_", 7) && eq && (size_t)(eq - environ[i]) < sizeof(name)) {
            snprintf(name, sizeof(name), "%.*s", (int)(eq - environ[i]), environ[i]);
            unsetenv(name);     /* environ shifts: look at index i again */
        } else {
            i++;
        }
    }
    snprintf(dir, sizeof(dir), "%s/oblako-fuzz-config.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "fuzz_config: mkdtemp: %s\n", strerror(errno));
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/oblako.conf", dir);
    atexit(cleanup);
    return 0;
}

static void
invariant(bool ok, const char *what, const struct ob_err *err)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_config: invariant failed: %s (rc %d, field '%s', message '%s')\n", what,
            err->rc, err->field, err->message);
    abort();
}

static bool
terminated(const char *field, size_t size)
{
    return memchr(field, '\0', size) != NULL;
}

static void
check(int rc, const struct ob_config *cfg, char **rest, int nrest, char **args, int nargs,
      const struct ob_err *err)
{
    if (rc != 0) {
        invariant(rc == OB_EINVAL, "a refusal other than OB_EINVAL", err);
        invariant(err->message[0] != '\0', "a refusal without a message", err);
        return;
    }
    invariant(terminated(cfg->db, sizeof(cfg->db)), "db not terminated", err);
    invariant(terminated(cfg->tz, sizeof(cfg->tz)), "tz not terminated", err);
    invariant(terminated(cfg->public_url, sizeof(cfg->public_url)),
              "public_url not terminated", err);
    invariant(terminated(cfg->admin_password_file, sizeof(cfg->admin_password_file)),
              "admin_password_file not terminated", err);
    invariant(terminated(cfg->config, sizeof(cfg->config)), "config not terminated", err);
    invariant(nrest >= 0 && nrest <= nargs && rest == args, "positional arguments out of place",
              err);
    for (int i = 0; i < nrest; i++)
        invariant(rest[i] != NULL, "a NULL positional argument", err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum ob_cmd cmds[] = { OB_CMD_SERVE, OB_CMD_INIT, OB_CMD_MIGRATE, OB_CMD_JOBS };
    struct ob_config *cfg;
    struct ob_err err = { 0 };
    char *copy, *args[MAX_ARGS + 2], **rest = NULL;
    const char *end, *p;
    size_t file_len;
    int nargs = 0, nrest = 0, rc;
    FILE *f;

    if (size < 1)
        return 0;
    /* the copy ends in a NUL, so every word below is terminated */
    copy = malloc(size);
    if (!copy)
        abort();
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    end = copy + size - 1;
    file_len = strlen(copy);

    if (!(f = fopen(path, "w")) || fwrite(copy, 1, file_len, f) != file_len || fclose(f) != 0) {
        fprintf(stderr, "fuzz_config: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    args[nargs++] = "--config";
    args[nargs++] = path;
    for (p = copy + file_len + 1; p < end && nargs < MAX_ARGS + 2; p += strlen(p) + 1)
        if (strncmp(p, "--config", 8) != 0)
            args[nargs++] = (char *)p;

    /* on the heap, so that a write past a field's end is seen by ASan */
    cfg = malloc(sizeof(*cfg));
    if (!cfg)
        abort();
    rc = ob_config_load(cfg, cmds[(uint8_t)(data[0] - '0') % 4], nargs, args, &rest, &nrest, &err);
    check(rc, cfg, rest, nrest, args, nargs, &err);
    free(cfg);
    free(copy);
    return 0;
}
