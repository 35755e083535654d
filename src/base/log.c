/*
 * log.c — JSON lines on stderr or in the log file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "log.h"
#include "banned.h"

/* Read by every thread, changed on SIGHUP: atomics, never a torn read. */
static atomic_int min_level = OB_LOG_INFO;
/* Where lines go: stderr, or a descriptor of our own that ob_log_open points
 * at the log file (dup2 keeps its number, so a writer never sees it closed). */
static atomic_int log_fd = STDERR_FILENO;
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *names[] = { "debug", "info", "warn", "error" };

int
ob_log_level_parse(const char *name, enum ob_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (enum ob_log_level)i;
            return 0;
        }
    }
    return -1;
}

int
ob_log_set_level(const char *name)
{
    enum ob_log_level level;

    if (ob_log_level_parse(name, &level) != 0)
        return -1;
    atomic_store(&min_level, (int)level);
    return 0;
}

int
ob_log_enabled(enum ob_log_level level)
{
    return (int)level >= atomic_load_explicit(&min_level, memory_order_relaxed);
}

int
ob_log_open(const char *path)
{
    int fd, cur, rc = 0;

    pthread_mutex_lock(&open_lock);
    cur = atomic_load(&log_fd);
    if (!path || !*path) {
        atomic_store(&log_fd, STDERR_FILENO);
        /* the old descriptor is left open: a writer may hold its number */
    } else if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
        rc = -1;
    } else if (cur == STDERR_FILENO) {
        atomic_store(&log_fd, fd);
    } else {
        /* atomically repoint the number writers use; then drop the spare */
        if (dup3(fd, cur, O_CLOEXEC) < 0)
            rc = -1;
        close(fd);
    }
    pthread_mutex_unlock(&open_lock);
    return rc;
}

/* Write an object built by the caller; steals the reference. */
static void
log_obj(enum ob_log_level level, const char *msg, json_t *fields)
{
    struct timespec ts;
    char when[OB_INSTANT_LEN], stamp[64];
    json_t *line;
    char *text;

    if (!ob_log_enabled(level)) {
        json_decref(fields);
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    ob_instant_format((int64_t)ts.tv_sec, when);
    when[19] = '\0'; /* drop the Z, add milliseconds */
    snprintf(stamp, sizeof(stamp), "%s.%03dZ", when, (int)(ts.tv_nsec / 1000000) % 1000);
    line = json_pack("{s:s, s:s, s:s}", "ts", stamp, "level", names[level], "msg", msg);
    if (fields && json_is_object(fields))
        json_object_update_missing(line, fields);
    json_decref(fields);
    text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (text) {
        size_t n = strlen(text);

        text[n] = '\n';
        /* One write per line; a short write on a pipe of ours is not worth a loop. */
        if (write(atomic_load_explicit(&log_fd, memory_order_relaxed), text, n + 1) < 0) {
            /* nowhere left to report it */
        }
        free(text);
    }
}

void
ob_log(enum ob_log_level level, const char *msg, const char *fmt, ...)
{
    json_t *fields = NULL;
    va_list ap;

    if (!ob_log_enabled(level))
        return;
    if (fmt) {
        va_start(ap, fmt);
        fields = json_vpack_ex(NULL, 0, fmt, ap);
        va_end(ap);
    }
    log_obj(level, msg, fields);
}
