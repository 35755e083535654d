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
#include "buf.h"
#include "log.h"
#include "utf8.h"
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

static void
write_line(const char *text, size_t n)
{
    /* One write per line; a short write on a pipe of ours is not worth a loop. */
    pthread_once(&fd_once, fd_lock_init);
    pthread_rwlock_rdlock(&fd_lock);
    if (write(log_fd, text, n) < 0) {
        /* nowhere left to report it */
    }
    pthread_rwlock_unlock(&fd_lock);
}

/* "2026-12-07T06:00:00.123Z" */
static void
stamp_now(char stamp[64])
{
    struct timespec ts;
    char when[OB_INSTANT_LEN];

    clock_gettime(CLOCK_REALTIME, &ts);
    ob_instant_format((int64_t)ts.tv_sec, when);
    when[19] = '\0'; /* drop the Z, add milliseconds */
    snprintf(stamp, 64, "%s.%03dZ", when, (int)(ts.tv_nsec / 1000000) % 1000);
}

/* s as a JSON string, escaped as jansson escapes it (", \\, control bytes). */
static void
add_str(struct ob_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";   /* jansson writes \u001F */

    ob_buf_addc(b, '"');
    for (size_t i = 0, run = 0, k; s[i]; i += k) {
        unsigned char c = (unsigned char)s[i];

        k = c < 0x80 ? 1 : ob_utf8_len((const unsigned char *)s + i);
        if (k != 0 && c >= 0x20 && c != '"' && c != '\\') {
            run += k;   /* written as it is, with the bytes before it */
            if (s[i + k])
                continue;
            ob_buf_add(b, s + i + k - run, run);
            break;
        }
        ob_buf_add(b, s + i - run, run);
        run = 0;
        if (k == 0) {
            ob_buf_addc(b, '?');
            k = 1;
        } else if (c == '"' || c == '\\') {
            ob_buf_addc(b, '\\');
            ob_buf_addc(b, (char)c);
        } else {
            const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r"
                              : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
            char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };

            ob_buf_adds(b, named ? named : u);
        }
    }
    ob_buf_addc(b, '"');
}

void
ob_log_fields(enum ob_log_level level, const char *msg, const struct ob_log_field *f, int n)
{
    struct ob_buf b;
    char stamp[64];

    if (!ob_log_enabled(level))
        return;
    stamp_now(stamp);
    ob_buf_init(&b, (size_t)1 << 20);
    ob_buf_reserve(&b, 512);    /* a request's line, in one allocation */
    ob_buf_adds(&b, "{\"ts\":");
    add_str(&b, stamp);
    ob_buf_adds(&b, ",\"level\":");
    add_str(&b, names[level]);
    ob_buf_adds(&b, ",\"msg\":");
    add_str(&b, msg);
    for (int i = 0; i < n; i++) {
        ob_buf_addc(&b, ',');
        add_str(&b, f[i].key);
        ob_buf_addc(&b, ':');
        if (f[i].is_num)
            ob_buf_addf(&b, "%lld", f[i].num);
        else if (f[i].str)
            add_str(&b, f[i].str);
        else
            ob_buf_adds(&b, "null");
    }
    ob_buf_adds(&b, "}\n");
    if (b.p)
        write_line(b.p, b.len);
    ob_buf_free(&b);
}

/* Write an object built by the caller; steals the reference. */
static void
log_obj(enum ob_log_level level, const char *msg, json_t *fields)
{
    char stamp[64];
    json_t *line;
    char *text;

    if (!ob_log_enabled(level)) {
        json_decref(fields);
        return;
    }
    stamp_now(stamp);
    line = json_pack("{s:s, s:s, s:s}", "ts", stamp, "level", names[level], "msg", msg);
    if (fields && json_is_object(fields))
        json_object_update_missing(line, fields);
    json_decref(fields);
    text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (text) {
        size_t n = strlen(text);

        text[n] = '\n';
        write_line(text, n + 1);
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
