/*
 * catalog_options.c — a tariff's options (JSON, docs/catalog.md) parsed into
 * struct ob_tariff_options, and the price rule of R-CAT-2. Both are pure:
 * no database, so the unit tests drive them with tables.
 *
 * The parser is strict: an unknown key, a value of the wrong type or out of
 * range, or a key that makes no sense for the tariff's kind is OB_EINVAL
 * naming the key as "options.<key>[i].<member>", so the provider's typo
 * never becomes a silently ignored option. Strings are copied into the
 * caller's arena; the JSON value is freed before returning.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/err.h"
#include "base/mem.h"
#include "model/catalog/catalog.h"
#include "base/banned.h"

static const char *const kinds[] = { "trial", "main", "extension", "short_extension",
                                     "per_unit" };

const char *
ob_tariff_kind_name(enum ob_tariff_kind k)
{
    return (unsigned)k < sizeof(kinds) / sizeof(kinds[0]) ? kinds[k] : "?";
}

int
ob_tariff_kind_parse(const char *s, enum ob_tariff_kind *out)
{
    for (size_t i = 0; s && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (!strcmp(s, kinds[i])) {
            *out = (enum ob_tariff_kind)i;
            return 0;
        }
    return -1;
}

struct parse {
    struct ob_arena *a;
    struct ob_err *err;
    enum ob_tariff_kind kind;
};

static const char *const option_keys[] = {
    "services", "apps",  "choose", "areas", "sessions",        "sessions_add",
    "areas_add", "terms", "days",  "max_term_months", "extends", "unit",
    "requires_status", "once_per_partner", "partner_own", "metering", "cfg", "chain",
};

static bool
one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(s, set[i]))
            return true;
    return false;
}

/* Refuse field with reason (an OB_REASON: its template names only {field}). */
static int
bad(struct parse *p, const char *field, const char *reason)
{
    return ob_err_field(p->err, OB_EINVAL, field, reason);
}

static bool
code_ok(const char *s, const char *extra)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              (extra && strchr(extra, s[i]))))
            return false;
    return true;
}

/* An integer member in [min, max]; *out untouched when absent. */
static int
int_member(struct parse *p, json_t *o, const char *key, const char *field, int min, int max,
           int *out)
{
    json_t *v = json_object_get(o, key);

    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        ob_err_field(p->err, OB_EINVAL, field, "tariff_options.number_range", "min=%d max=%d", min,
                     max);
        return OB_EINVAL;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

static int
bool_member(struct parse *p, json_t *o, const char *key, bool *out)
{
    json_t *v = json_object_get(o, key);

    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return bad(p, ob_arena_printf(p->a, "options.%s", key),
                   OB_REASON("tariff_options.boolean"));
    *out = json_is_true(v);
    return 0;
}

/* An array of codes (application codes, or tariff codes when extra allows
 * the tariff punctuation). */
static int
codes(struct parse *p, json_t *v, const char *field, const char *extra, const char ***out,
      int *n)
{
    size_t i;
    json_t *c;

    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 64)
        return bad(p, field, OB_REASON("tariff_options.codes"));
    *out = ob_arena_alloc(p->a, sizeof(char *) * json_array_size(v));
    *n = 0;
    json_array_foreach(v, i, c) {
        const char *s = json_string_value(c);

        if (!code_ok(s, extra))
            return bad(p, ob_arena_printf(p->a, "%s[%zu]", field, i),
                       OB_REASON("tariff_options.bad_code"));
        for (int j = 0; j < *n; j++)
            if (!strcmp((*out)[j], s))
                return bad(p, ob_arena_printf(p->a, "%s[%zu]", field, i),
                           OB_REASON("tariff_options.twice"));
        (*out)[(*n)++] = ob_arena_strdup(p->a, s);
    }
    return 0;
}

/* Applications: ["a", "b"] or {"list": "prof", "plus": ["c"]}. */
static int
apps(struct parse *p, json_t *v, const char *field, const char ***out, int *n, const char **list)
{
    json_t *l, *plus;
    const char *key;
    json_t *m;

    *out = NULL;
    *n = 0;
    *list = NULL;
    if (json_is_array(v))
        return codes(p, v, field, NULL, out, n);
    if (!json_is_object(v))
        return bad(p, field, OB_REASON("tariff_options.apps_format"));
    json_object_foreach(v, key, m) if (strcmp(key, "list") && strcmp(key, "plus")) return bad(
        p, ob_arena_printf(p->a, "%s.%s", field, key), OB_REASON("tariff_options.unknown_member"));
    l = json_object_get(v, "list");
    if (!code_ok(json_string_value(l), NULL))
        return bad(p, ob_arena_printf(p->a, "%s.list", field),
                   OB_REASON("tariff_options.list_name"));
    *list = ob_arena_strdup(p->a, json_string_value(l));
    plus = json_object_get(v, "plus");
    return plus ? codes(p, plus, ob_arena_printf(p->a, "%s.plus", field), NULL, out, n) : 0;
}

static int
area_rule(struct parse *p, json_t *r, size_t i, struct ob_area_rule *out)
{
    const char *f = ob_arena_printf(p->a, "options.areas[%zu]", i), *key;
    static const char *const keys[] = { "apps", "areas", "working", "test", "one_app" };
    json_t *v;
    int rc;

    out->areas = out->working = out->test = OB_UNLIMITED;
    if (!json_is_object(r))
        return bad(p, f, OB_REASON("tariff_options.area_rule"));
    json_object_foreach(
        r, key,
        v) if (!one_of(key, keys,
                       sizeof(keys) /
                           sizeof(keys[0]))) return bad(p, ob_arena_printf(p->a, "%s.%s", f, key),
                                                        OB_REASON("tariff_options.unknown_member"));
    if ((v = json_object_get(r, "apps")) &&
        (rc = apps(p, v, ob_arena_printf(p->a, "%s.apps", f), &out->apps, &out->napps,
                   &out->apps_list)) != 0)
        return rc;
    if ((rc = int_member(p, r, "areas", ob_arena_printf(p->a, "%s.areas", f), 0, 100000,
                         &out->areas)) ||
        (rc = int_member(p, r, "working", ob_arena_printf(p->a, "%s.working", f), 0, 100000,
                         &out->working)) ||
        (rc = int_member(p, r, "test", ob_arena_printf(p->a, "%s.test", f), 0, 100000,
                         &out->test)))
        return rc;
    if ((v = json_object_get(r, "one_app"))) {
        if (!json_is_boolean(v))
            return bad(p, ob_arena_printf(p->a, "%s.one_app", f),
                       OB_REASON("tariff_options.boolean"));
        out->one_app = json_is_true(v);
    }
    return 0;
}

static int
areas(struct parse *p, json_t *v, struct ob_tariff_options *o)
{
    size_t i;
    json_t *r;
    int rc;

    if (json_is_string(v) && !strcmp(json_string_value(v), "unlimited")) {
        o->areas_unlimited = true;
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 16)
        return bad(p, "options.areas", OB_REASON("tariff_options.areas_format"));
    o->areas = ob_arena_alloc(p->a, sizeof(*o->areas) * json_array_size(v));
    json_array_foreach(v, i, r) {
        if ((rc = area_rule(p, r, i, &o->areas[i])) != 0)
            return rc;
        o->nareas++;
    }
    return 0;
}

static int
terms(struct parse *p, json_t *v, struct ob_tariff_options *o)
{
    static const int allowed[] = { 1, 3, 6, 12 };
    bool seen[4] = { false };
    size_t i;
    json_t *t;

    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 4)
        return bad(p, "options.terms", OB_REASON("tariff_options.terms_format"));
    json_array_foreach(v, i, t) {
        int k;

        for (k = 0; k < 4 && (!json_is_integer(t) || json_integer_value(t) != allowed[k]); k++)
            ;
        if (k == 4)
            return bad(p, ob_arena_printf(p->a, "options.terms[%zu]", i),
                       OB_REASON("tariff_options.term_format"));
        if (seen[k])
            return bad(p, ob_arena_printf(p->a, "options.terms[%zu]", i),
                       OB_REASON("tariff_options.twice"));
        seen[k] = true;
    }
    for (int k = 0; k < 4; k++)
        if (seen[k])
            o->terms[o->nterms++] = allowed[k];
    return 0;
}

static int
strings_member(struct parse *p, json_t *root, struct ob_tariff_options *o)
{
    static const char *const services[] = { "prof", "basic" };
    static const char *const statuses[] = { "csk", "erp_cc", "corp_list", "cso" };
    json_t *v;

    if ((v = json_object_get(root, "services"))) {
        if (!one_of(json_string_value(v), services, 2))
            return bad(p, "options.services", OB_REASON("tariff_options.services_format"));
        o->services = ob_arena_strdup(p->a, json_string_value(v));
    }
    if ((v = json_object_get(root, "requires_status"))) {
        if (!one_of(json_string_value(v), statuses, 4))
            return bad(p, "options.requires_status", OB_REASON("tariff_options.status_format"));
        o->requires_status = ob_arena_strdup(p->a, json_string_value(v));
    }
    if ((v = json_object_get(root, "chain"))) {
        if (!code_ok(json_string_value(v), NULL))
            return bad(p, "options.chain", OB_REASON("tariff_options.chain_format"));
        o->chain = ob_arena_strdup(p->a, json_string_value(v));
    }
    if ((v = json_object_get(root, "unit"))) {
        if (!code_ok(json_string_value(v), NULL))
            return bad(p, "options.unit", OB_REASON("tariff_options.unit_format"));
        o->unit = ob_arena_strdup(p->a, json_string_value(v));
    }
    if ((v = json_object_get(root, "metering"))) {
        char *s;

        if (!json_is_object(v))
            return bad(p, "options.metering", OB_REASON("tariff_options.object"));
        s = json_dumps(v, JSON_COMPACT);
        o->metering = ob_arena_strdup(p->a, s);
        free(s);
    }
    return 0;
}

static int
cfg_member(struct parse *p, json_t *v, struct ob_tariff_options *o)
{
    const char **names;
    const char *s = "";
    int n, rc;

    o->cfg = "";
    if (!v)
        return 0;
    if ((rc = codes(p, v, "options.cfg", NULL, &names, &n)) != 0)
        return rc;
    for (int i = 0; i < n; i++) {
        if (!one_of(names[i], option_keys, sizeof(option_keys) / sizeof(option_keys[0])))
            return bad(p, ob_arena_printf(p->a, "options.cfg[%d]", i),
                       OB_REASON("tariff_options.cfg_format"));
        s = ob_arena_printf(p->a, "%s%s%s", s, i ? "," : "", names[i]);
    }
    o->cfg = s;
    return 0;
}

/* What each kind needs and refuses. */
static int
check_kind(struct parse *p, json_t *root, struct ob_tariff_options *o)
{
    bool main_like = p->kind == OB_TARIFF_TRIAL || p->kind == OB_TARIFF_MAIN;
    bool ext = p->kind == OB_TARIFF_EXTENSION || p->kind == OB_TARIFF_SHORT_EXTENSION;
    const char *k = ob_tariff_kind_name(p->kind);

    if (main_like && !o->services)
        return bad(p, "options.services", OB_REASON("tariff_options.required_main"));
    if (main_like && !o->apps_list && !o->napps)
        return bad(p, "options.apps", OB_REASON("tariff_options.required_main"));
    if (main_like && !o->areas_unlimited && !o->nareas)
        return bad(p, "options.areas", OB_REASON("tariff_options.required_main"));
    if (main_like && !o->sessions)
        return bad(p, "options.sessions", OB_REASON("tariff_options.required_main"));
    if (!main_like && (json_object_get(root, "apps") || json_object_get(root, "areas") ||
                       json_object_get(root, "sessions")))
        return ob_err_field(p->err, OB_EINVAL,
                            json_object_get(root, "apps")    ? "options.apps"
                            : json_object_get(root, "areas") ? "options.areas"
                                                             : "options.sessions",
                            "tariff_options.kind_has_nothing", "k=%s", k);
    if (ext && !o->sessions_add && !o->areas_add)
        return bad(p, "options.sessions_add", OB_REASON("tariff_options.required_extension"));
    if (!ext && (o->sessions_add || o->areas_add))
        return bad(p, o->sessions_add ? "options.sessions_add" : "options.areas_add",
                   OB_REASON("tariff_options.only_extensions"));
    if ((p->kind == OB_TARIFF_TRIAL || p->kind == OB_TARIFF_SHORT_EXTENSION) && !o->days)
        return bad(p, "options.days", OB_REASON("tariff_options.required_days"));
    if (o->days && o->nterms)
        return bad(p, "options.terms", OB_REASON("tariff_options.not_with_days"));
    if ((p->kind == OB_TARIFF_MAIN || p->kind == OB_TARIFF_PER_UNIT) && !o->nterms)
        return bad(p, "options.terms", OB_REASON("tariff_options.required_terms"));
    if (o->chain && p->kind != OB_TARIFF_MAIN)
        return bad(p, "options.chain", OB_REASON("tariff_options.only_main"));
    if (p->kind == OB_TARIFF_PER_UNIT && !o->unit)
        return bad(p, "options.unit", OB_REASON("tariff_options.required_per_unit"));
    if (o->choose && o->napps && !o->apps_list && o->choose > o->napps)
        return bad(p, "options.choose", OB_REASON("tariff_options.more_than_apps"));
    if (o->max_term_months && o->nterms && o->terms[o->nterms - 1] > o->max_term_months)
        return bad(p, "options.max_term_months", OB_REASON("tariff_options.shorter_than_terms"));
    return 0;
}

static int
parse_root(struct parse *p, json_t *root, struct ob_tariff_options *o)
{
    const char *key;
    json_t *v;
    int rc;

    json_object_foreach(
        root, key,
        v) if (!one_of(key, option_keys,
                       sizeof(option_keys) /
                           sizeof(option_keys[0]))) return bad(p,
                                                               ob_arena_printf(p->a, "options.%s",
                                                                               key),
                                                               OB_REASON("tariff_options.unknown"));
    if ((v = json_object_get(root, "apps")) &&
        (rc = apps(p, v, "options.apps", &o->apps, &o->napps, &o->apps_list)) != 0)
        return rc;
    if ((v = json_object_get(root, "areas")) && (rc = areas(p, v, o)) != 0)
        return rc;
    if ((v = json_object_get(root, "terms")) && (rc = terms(p, v, o)) != 0)
        return rc;
    if ((v = json_object_get(root, "extends")) &&
        (rc = codes(p, v, "options.extends", "ABCDEFGHIJKLMNOPQRSTUVWXYZ+-.", &o->extends,
                    &o->nextends)) != 0)
        return rc;
    if ((rc = int_member(p, root, "choose", "options.choose", 1, 64, &o->choose)) ||
        (rc = int_member(p, root, "sessions", "options.sessions", 1, 100000, &o->sessions)) ||
        (rc = int_member(p, root, "sessions_add", "options.sessions_add", 1, 100000,
                         &o->sessions_add)) ||
        (rc = int_member(p, root, "areas_add", "options.areas_add", 1, 100000, &o->areas_add)) ||
        (rc = int_member(p, root, "days", "options.days", 1, 366, &o->days)) ||
        (rc = int_member(p, root, "max_term_months", "options.max_term_months", 1, 12,
                         &o->max_term_months)) ||
        (rc = bool_member(p, root, "once_per_partner", &o->once_per_partner)) ||
        (rc = bool_member(p, root, "partner_own", &o->partner_own)) ||
        (rc = strings_member(p, root, o)) || (rc = cfg_member(p, json_object_get(root, "cfg"), o)))
        return rc;
    if (o->choose && !json_object_get(root, "apps"))
        return bad(p, "options.choose", OB_REASON("tariff_options.needs_apps"));
    return check_kind(p, root, o);
}

int
ob_tariff_options_parse(const char *json, enum ob_tariff_kind k, struct ob_arena *a,
                        struct ob_tariff_options *out, struct ob_err *err)
{
    struct parse p = { a, err, k };
    json_error_t je;
    json_t *root;
    int rc;

    memset(out, 0, sizeof(*out));
    root = json ? json_loads(json, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!json_is_object(root)) {
        json_decref(root);
        return ob_err_field(err, OB_EINVAL, "options", "tariff_options.not_object");
    }
    rc = parse_root(&p, root, out);
    json_decref(root);
    return rc;
}

bool
ob_tariff_term_allowed(const struct ob_tariff_options *o, int months)
{
    if (o->days)
        return months == 0;
    if (o->max_term_months && months > o->max_term_months)
        return false;
    if (!o->nterms)                     /* an extension follows its main */
        return months == 1 || months == 3 || months == 6 || months == 12;
    for (int i = 0; i < o->nterms; i++)
        if (o->terms[i] == months)
            return true;
    return false;
}

/* ---- the price rule ------------------------------------------------------------------ */

static bool
in_force(const struct ob_price *r, int32_t day)
{
    return r->from <= day && (r->to == OB_UNLIMITED || day < r->to);
}

int
ob_price_pick(const struct ob_price *rows, int n, int term, int32_t day, int64_t *amount)
{
    const struct ob_price *exact = NULL, *monthly = NULL;

    for (int i = 0; i < n; i++) {
        const struct ob_price *r = &rows[i];

        if (!in_force(r, day))
            continue;
        if (r->term == term && (!exact || r->from > exact->from))
            exact = r;
        if (r->term == 1 && (!monthly || r->from > monthly->from))
            monthly = r;
    }
    if (exact)
        *amount = exact->amount;
    else if (monthly && term > 0)
        *amount = monthly->amount * term;
    else
        return OB_ENOTFOUND;
    return 0;
}
