/*
 * msg.c — rendering a reason and its params through the message catalogs.
 *
 * The catalogs are JSON objects compiled in as data assets; they are parsed
 * under pthread_once and only read afterwards. A reason the catalog lacks is
 * rendered as the reason with its params, so nothing is lost, and the test
 * tools/messages.mjs keeps that from happening. Besides the reasons, a
 * catalog holds the labels of fields ("label.inn") and the words of codes a
 * param may hold ("value.kind.main"), so that neither shows raw.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "asset.h"
#include "err.h"
#include "msg.h"
#include "banned.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static json_t *catalogs[2];     /* en, ru */

static void
load(void)
{
    static const char *const paths[] = { "/messages.en.json", "/messages.ru.json" };

    for (int i = 0; i < 2; i++) {
        const struct ob_asset *a = ob_asset_find(ob_data_assets, ob_ndata_assets, paths[i]);

        catalogs[i] = a ? json_loadb((const char *)a->data, a->len, 0, NULL) : NULL;
    }
}

const char *
ob_msg_lang(const char *accept)
{
    for (const char *p = accept; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!strncasecmp(p, "ru", 2) && !isalpha((unsigned char)p[2]))
            return "ru";
        if (!strncasecmp(p, "en", 2) && !isalpha((unsigned char)p[2]))
            return "en";
        p += strcspn(p, ",");
    }
    return NULL;
}

/* The template of key in lang ("ru", "en"), or NULL. */
static const char *
lookup(const char *lang, const char *key)
{
    pthread_once(&once, load);
    return json_string_value(json_object_get(catalogs[lang && !strcmp(lang, "ru") ? 1 : 0], key));
}

static const char *
param(const struct ob_err *err, const char *name, size_t n)
{
    for (int i = 0; i < err->nparams; i++)
        if (strlen(err->params[i].name) == n && !strncmp(err->params[i].name, name, n))
            return err->params[i].value;
    return NULL;
}

/* The label of a field in lang: "label.inn" of the catalog, else that of its
 * last member ("prices[1].amount" is an amount), else the name itself. */
static const char *
label(const char *lang, const char *field)
{
    const char *last = strrchr(field, '.');
    char key[96];
    const char *l;

    snprintf(key, sizeof(key), "label.%s", field);
    l = lookup(lang, key);
    if (!l && last) {
        snprintf(key, sizeof(key), "label.%s", last + 1);
        l = lookup(lang, key);
    }
    return l ? l : field;
}

/* A param's value in lang when it is a word of the code: "value.kind.main"
 * of the catalog ("основная"), else the value itself. */
static const char *
word(const char *lang, const char *name, size_t n, const char *value)
{
    char key[160];
    const char *w;

    snprintf(key, sizeof(key), "value.%.*s.%s", (int)n, name, value);
    w = lookup(lang, key);
    return w ? w : value;
}

static void
add(char *out, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + 1 >= size)
        return;
    if (n > size - 1 - *len)
        n = size - 1 - *len;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
}

void
ob_msg_render(const struct ob_err *err, const char *lang, char *out, size_t size)
{
    const char *t = err->reason[0] ? lookup(lang, err->reason) : NULL;
    size_t len = 0;

    if (!size)
        return;
    out[0] = '\0';
    if (!t && err->reason[0])
        t = lookup("en", err->reason);
    if (!t) {
        add(out, size, &len, err->reason, strlen(err->reason));
        for (int i = 0; i < err->nparams; i++) {
            add(out, size, &len, i ? ", " : " (", 2);
            add(out, size, &len, err->params[i].name, strlen(err->params[i].name));
            add(out, size, &len, "=", 1);
            add(out, size, &len, err->params[i].value, strlen(err->params[i].value));
        }
        if (err->nparams)
            add(out, size, &len, ")", 1);
        return;
    }
    for (const char *p = t; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        const char *v;

        if (!close) {
            size_t n = strcspn(p + 1, "{") + 1;

            add(out, size, &len, p, n);
            p += n;
            continue;
        }
        v = param(err, p + 1, (size_t)(close - p - 1));
        if (close - p - 1 == 5 && !strncmp(p + 1, "field", 5))
            v = label(lang, v ? v : err->field);
        else if (v)
            v = word(lang, p + 1, (size_t)(close - p - 1), v);
        if (v)
            add(out, size, &len, v, strlen(v));
        else
            add(out, size, &len, p, (size_t)(close - p + 1));
        p = close + 1;
    }
}
