/*
 * session.c — the backend's own sessions: cookie → Oblako session, in memory.
 *
 * A launch adds one under a random 256-bit cookie; requests take a copy of it
 * (so nothing is shared once the mutex is released) and a heartbeat or close
 * updates its state. The table is bounded: a session unused for a day goes at
 * the next launch, and past MAX_SESSIONS the least recently used one goes.
 * Cookies are compared in constant time. A restart forgets every session; the
 * user opens the area again from Oblako.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cashbook.h"
#include "base/banned.h"

#define MAX_SESSIONS 10000
#define STALE_SECONDS (24 * 3600)

struct node {
    struct cb_session s;
    struct node *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node *head;
static int count;

static void
copy_strings(struct cb_session *dst, const struct cb_session *src)
{
    *dst = *src;
    dst->app = cb_xstrdup(src->app);
    dst->area = cb_xstrdup(src->area);
    dst->area_name = cb_xstrdup(src->area_name);
    dst->app_name = cb_xstrdup(src->app_name);
    dst->app_name_ru = cb_xstrdup(src->app_name_ru);
    dst->person = cb_xstrdup(src->person);
}

void
cb_session_clear(struct cb_session *s)
{
    free(s->app);
    free(s->area);
    free(s->area_name);
    free(s->app_name);
    free(s->app_name_ru);
    free(s->person);
    memset(s, 0, sizeof(*s));
}

static struct node *
find(const char *cookie)
{
    if (!cookie || strlen(cookie) != CB_COOKIE_LEN)
        return NULL;
    for (struct node *n = head; n; n = n->next)
        if (sodium_memcmp(n->s.cookie, cookie, CB_COOKIE_LEN) == 0)
            return n;
    return NULL;
}

/* Drop stale sessions, and the least recently used one when still full. */
static void
prune(int64_t now)
{
    struct node **pp = &head, **lru = NULL;

    while (*pp) {
        struct node *n = *pp;

        if (n->s.used < now - STALE_SECONDS) {
            *pp = n->next;
            cb_session_clear(&n->s);
            free(n);
            count--;
            continue;
        }
        if (!lru || n->s.used < (*lru)->s.used)
            lru = pp;
        pp = &n->next;
    }
    if (count >= MAX_SESSIONS && lru) {
        struct node *n = *lru;

        *lru = n->next;
        cb_session_clear(&n->s);
        free(n);
        count--;
    }
}

void
cb_sessions_add(struct cb_session *s)
{
    unsigned char raw[CB_COOKIE_LEN / 2];
    struct node *n = cb_xmalloc(sizeof(*n));

    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(s->cookie, sizeof(s->cookie), raw, sizeof(raw));
    s->used = (int64_t)time(NULL);
    copy_strings(&n->s, s);
    pthread_mutex_lock(&lock);
    prune(s->used);
    n->next = head;
    head = n;
    count++;
    pthread_mutex_unlock(&lock);
}

int
cb_sessions_get(const char *cookie, struct cb_session *out)
{
    struct node *n;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&lock);
    n = find(cookie);
    if (n) {
        n->s.used = (int64_t)time(NULL);
        copy_strings(out, &n->s);
    }
    pthread_mutex_unlock(&lock);
    return n ? 0 : -1;
}

void
cb_sessions_set_state(const char *cookie, const char *state)
{
    struct node *n;

    pthread_mutex_lock(&lock);
    n = find(cookie);
    if (n)
        snprintf(n->s.state, sizeof(n->s.state), "%s", state);
    pthread_mutex_unlock(&lock);
}

void
cb_sessions_free(void)
{
    pthread_mutex_lock(&lock);
    while (head) {
        struct node *n = head;

        head = n->next;
        cb_session_clear(&n->s);
        free(n);
    }
    count = 0;
    pthread_mutex_unlock(&lock);
}
