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
 * at the log file. A line's write(2) holds the lock shared, a reopen holds it
 * exclusive (writers preferred, so a busy log cannot starve a reopen): no
 * line is written to a descriptor being replaced, and ThreadSanitizer sees
 * why. */
static int log_fd = STDERR_FILENO;
static pthread_rwlock_t fd_lock;
static pthread_once_t fd_once = PTHREAD_ONCE_INIT;

static void
fd_lock_init(void)
{
    pthread_rwlockattr_t a;

    pthread_rwlockattr_init(&a);
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&fd_lock, &a);
    pthread_rwlockattr_destroy(&a);
}
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
    int fd = -1, rc = 0;

    /* open outside the lock: the log goes on meanwhile */
    if (path && *path && (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0)
        return -1;
    pthread_once(&fd_once, fd_lock_init);
    pthread_rwlock_wrlock(&fd_lock);
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd >= 0 ? fd : STDERR_FILENO;
    pthread_rwlock_unlock(&fd_lock);
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
        pthread_once(&fd_once, fd_lock_init);
        pthread_rwlock_rdlock(&fd_lock);
        if (write(log_fd, text, n + 1) < 0) {
            /* nowhere left to report it */
        }
        pthread_rwlock_unlock(&fd_lock);
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
