/*
 * fuzz_options.c — libFuzzer target for the tariff-options parser
 * (ob_tariff_options_parse, src/model/catalog/catalog_options.c).
 *
 * The options of a tariff come from the provider's API (POST and PATCH
 * /api/v1/tariffs) and from data/catalog.json; they decide what every
 * subscription of the tariff entitles, so the parser must refuse anything
 * it cannot read whole. The input is one byte for the tariff's kind ('0'
 * trial, '1' main, '2' extension, '3' short extension, '4' per unit; any
 * byte is taken modulo 5) and then the JSON text. The seeds (corpus/options)
 * are the options of every tariff of the standard catalog, written by
 * tests/fuzz/gen_corpus.py.
 *
 * Besides what the sanitizers catch, the target checks the contract of the
 * parse (see check()): an answer is either 0 with a result whose counts fit
 * their arrays, or OB_EINVAL naming an "options" field with a message.
 * Nothing is shared between inputs: the arena is freed after each.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "model/catalog/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
invariant(bool ok, const char *what, const struct ob_err *err)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_options: invariant failed: %s (rc %d, field '%s', message '%s')\n",
            what, err->rc, err->field, err->message);
    abort();
}

static bool
strings_ok(const char *const *s, int n)
{
    if (n < 0 || (n > 0 && !s))
        return false;
    for (int i = 0; i < n; i++)
        if (!s[i] || !ob_utf8_valid(s[i]))
            return false;
    return true;
}

static void
check(int rc, const struct ob_tariff_options *o, const struct ob_err *err)
{
    if (rc != 0) {
        invariant(rc == OB_EINVAL, "a refusal other than OB_EINVAL", err);
        invariant(err->message[0] != '\0', "a refusal without a message", err);
        invariant(!strncmp(err->field, "options", 7), "a refusal naming no options field", err);
        return;
    }
    invariant(err->rc == 0 && !err->message[0], "success with an error set", err);
    invariant(o->nterms >= 0 && o->nterms <= 4, "terms past their array", err);
    for (int i = 1; i < o->nterms; i++)
        invariant(o->terms[i - 1] < o->terms[i], "terms not ascending", err);
    invariant(strings_ok(o->apps, o->napps), "apps do not fit their count", err);
    invariant(strings_ok(o->extends, o->nextends), "extends do not fit their count", err);
    invariant(o->nareas >= 0 && (o->nareas == 0 || o->areas), "areas do not fit their count",
              err);
    for (int i = 0; i < o->nareas; i++)
        invariant(strings_ok(o->areas[i].apps, o->areas[i].napps),
                  "an area rule's apps do not fit their count", err);
    invariant(o->choose >= 0 && o->days >= 0 && o->max_term_months >= 0,
              "a negative count", err);
    for (int m = 0; m <= 36; m++)
        (void)ob_tariff_term_allowed(o, m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ob_tariff_options o;
    struct ob_err err = { 0 };
    struct ob_arena a;
    enum ob_tariff_kind kind;
    char *json;
    int rc;

    if (size < 1)
        return 0;
    kind = (enum ob_tariff_kind)((uint8_t)(data[0] - '0') % 5);
    json = malloc(size);
    if (!json)
        abort();
    memcpy(json, data + 1, size - 1);
    json[size - 1] = '\0';
    ob_arena_init(&a);
    rc = ob_tariff_options_parse(json, kind, &a, &o, &err);
    check(rc, &o, &err);
    ob_arena_free(&a);
    free(json);
    return 0;
}
