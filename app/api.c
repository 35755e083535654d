/*
 * api.c — the routes: Oblako's signed calls, the launch, the page and its API.
 *
 *   GET    /oblako/version            signed by Oblako
 *   POST   /oblako/areas              signed; 201 new, 200 existing
 *   DELETE /oblako/areas/{key}        signed; 204, 404 when absent
 *   POST   /oblako/areas/{key}/backup signed; the archive (backup.c)
 *   PUT    /oblako/areas/{key}/restore signed; the archive in, 204 (backup.c)
 *   GET    /oblako/areas/{key}/export signed; the area's file (copy.c)
 *   PUT    /oblako/areas/{key}/import signed; the file in, 200 (copy.c)
 *   GET/PUT /oblako/areas/{key}/version  signed; version.c
 *   GET    /launch?app&session&token  checks the token with Oblako, sets cb_session
 *   GET    /, /app.js, /app.css       the page (embedded from app/page/)
 *   GET    /api/state                 the session as the page shows it
 *   GET    /api/entries?limit&after   newest first; POST adds; DELETE /api/entries/{id}
 *   POST   /api/heartbeat, /api/close relayed to Oblako, signed
 *
 * The page API needs the cookie (401), a JSON Content-Type on POSTs (415;
 * a cross-site form cannot send one) and an open session (409 with the
 * state). The page sends X-Cashbook-Session with the session it was loaded
 * for: a second launch in the same browser replaces the cookie, and an older
 * window must not go on writing into the newer window's area.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cashbook.h"
#include "base/asset.h"
#include "base/banned.h"

#define PAGE_DIR "app/page"

/* An application code: 1 to 64 of [A-Za-z0-9_.-]. */
static int
app_valid(const char *s)
{
    size_t n =
        s ? strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") : 0;

    return n > 0 && n <= 64 && s[n] == '\0';
}

/* A positive decimal integer of at most 18 digits, or -1. */
static int64_t
parse_id(const char *s)
{
    int64_t v = 0;
    size_t i;

    for (i = 0; s && s[i] >= '0' && s[i] <= '9' && i < 18; i++)
        v = v * 10 + (s[i] - '0');
    return s && i > 0 && s[i] == '\0' && v > 0 ? v : -1;
}

static int
date_valid(const char *s)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, leap;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 &&
           d <= days[m - 1] + (m == 2 && leap);
}

static void
db_error(struct cb_resp *out, int rc)
{
    if (rc == CB_ENOTFOUND)
        cb_reply_problem(out, 404, NULL, "the data area is not on this server");
    else
        cb_reply_problem(out, 500, NULL, "internal error; see the server log");
}

/* --- Oblako's calls --- */

static void
area_create(const char *app, const char *body, size_t len, struct cb_resp *out)
{
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *application = json_object_get(j, "application"), *name = json_object_get(j, "name");
    json_t *test = json_object_get(j, "test"), *sub = json_object_get(j, "subscriber");
    json_t *demo = json_object_get(j, "demo");
    const char *key = json_string_value(json_object_get(j, "area"));
    int rc;

    if (!json_is_object(j))
        cb_reply_problem(out, 400, NULL, "the body is not a JSON object");
    else if (!key || !cb_key_valid(key))
        cb_reply_problem(out, 400, "area", "area must be 16 lower-case hex digits");
    else if (application &&
             (!json_is_string(application) || strcmp(json_string_value(application), app) != 0))
        cb_reply_problem(out, 400, "application", "application is not the signing application");
    else if (name && (!json_is_string(name) || json_string_length(name) > 1000))
        cb_reply_problem(out, 400, "name", "name must be a string of at most 1000 bytes");
    else if (test && !json_is_boolean(test))
        cb_reply_problem(out, 400, "test", "test must be true or false");
    else if (sub && !json_is_integer(sub))
        cb_reply_problem(out, 400, "subscriber", "subscriber must be an integer");
    else if (demo && !json_is_boolean(demo))
        cb_reply_problem(out, 400, "demo", "demo must be true or false");
    else if ((rc = cb_area_create(key, app, name ? json_string_value(name) : "", json_is_true(test),
                                  json_integer_value(sub))) >= 0 &&
             rc == 1 && json_is_true(demo) && cb_area_demo(key) != CB_OK)
        cb_reply_problem(out, 500, NULL, "the demo content could not be written");
    else if (rc >= 0 && rc == 1 && cb_area_version_set(key, cb_version_default()) != CB_OK)
        cb_reply_problem(out, 500, NULL, "the version could not be written");
    else if (rc >= 0) {
        char v[CB_VERSION_LEN];

        cb_area_version(key, v);
        cb_reply_json(out, rc ? 201 : 200, json_pack("{s:s, s:s}", "area", key, "version", v));
    }
    else if (rc == CB_ECONFLICT)
        cb_reply_problem(out, 409, "area", "area '%s' belongs to another application", key);
    else
        db_error(out, rc);
    json_decref(j);
}

static void
area_delete(const char *app, const char *key, struct cb_resp *out)
{
    int rc;

    if (!cb_key_valid(key))
        cb_reply_problem(out, 400, "area", "area must be 16 lower-case hex digits");
    else if ((rc = cb_area_delete(key, app)) == CB_OK)
        out->status = 204;
    else if (rc == CB_ENOTFOUND)
        cb_reply_problem(out, 404, NULL, "area '%s' is not on this server", key);
    else
        db_error(out, rc);
}

static void
protocol(const struct cb_req *r, struct cb_resp *out)
{
    const char *path = cb_req_path(r), *m = cb_req_method(r), *why, *sha = NULL;
    const char *app = cb_req_header(r, "X-Oblako-App");
    size_t len;
    const char *body = cb_req_body(r, &len);
    char key[CB_KEY_LEN + 1];
    int64_t flen;

    /* a streamed archive is signed with the hash its sender announces; the
     * handler then checks the bytes against it (422 "checksum") */
    if (cb_req_file(r, &sha, &flen) && cb_req_header(r, "X-Oblako-Sha256"))
        sha = cb_req_header(r, "X-Oblako-Sha256");

    if (!app_valid(app)) {
        cb_reply_problem(out, 401, NULL, "X-Oblako-App is missing or malformed");
        return;
    }
    if (cb_verify_hash(cb_config.secret, cb_req_header(r, "X-Oblako-Timestamp"),
                       cb_req_header(r, "X-Oblako-Signature"), m, cb_req_target(r), body, len,
                       sha, (int64_t)time(NULL), &why) != 0) {
        cb_log("warn", "signature refused", "{s:s, s:s}", "app", app, "reason", why);
        cb_reply_problem(out, 401, NULL, "%s", why);
        return;
    }
    if (!strcmp(path, "/oblako/version") && !strcmp(m, "GET"))
        cb_reply_json(out, 200, json_pack("{s:s, s:o}", "version", cb_version_default(),
                                          "versions", cb_versions_json()));
    else if (!strncmp(path, "/oblako/areas/", 14) && strlen(path) == 14 + CB_KEY_LEN + 8 &&
             !strcmp(path + 14 + CB_KEY_LEN, "/version") &&
             (!strcmp(m, "GET") || !strcmp(m, "PUT"))) {
        memcpy(key, path + 14, CB_KEY_LEN);
        key[CB_KEY_LEN] = '\0';
        cb_version_call(app, key, m, body, len, out);
    }
    else if (!strcmp(path, "/oblako/areas") && !strcmp(m, "POST"))
        area_create(app, body, len, out);
    else if (!strcmp(m, "POST") && cb_area_call(path, "backup", key))
        cb_backup(app, key, out);
    else if (!strcmp(m, "PUT") && cb_area_call(path, "restore", key))
        cb_restore(r, app, key, out);
    else if (!strcmp(m, "GET") && cb_area_call(path, "export", key))
        cb_copy_export(app, key, out);
    else if (!strcmp(m, "PUT") && cb_area_call(path, "import", key))
        cb_copy_import(r, app, key, out);
    else if (!strncmp(path, "/oblako/areas/", 14) && !strcmp(m, "DELETE"))
        area_delete(app, path + 14, out);
    else if (!strcmp(path, "/oblako/version") || !strncmp(path, "/oblako/areas", 13))
        cb_reply_problem(out, 405, NULL, "%s is not allowed on %s", m, path);
    else
        cb_reply_problem(out, 404, NULL, "no such call");
}

/* --- the launch --- */

static void
launch_refused(const struct cb_req *r, struct cb_resp *out, unsigned status)
{
    cb_reply_html(out, status, r, "This link is used or expired",
                  "A launch link works once and for two minutes. Open the data area again from "
                  "Oblako.",
                  "Ссылка уже использована или устарела",
                  "Ссылка для входа действует один раз и две минуты. Откройте информационную "
                  "базу ещё раз из Облака.");
}

static const char *
str_at(json_t *j, const char *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj ? json_object_get(j, obj) : j, key));

    return s ? s : "";
}

/* Check Oblako's session and start ours. */
static void
launch_accept(const struct cb_req *r, struct cb_resp *out, const char *app, int64_t id, json_t *j)
{
    struct cb_session s = {0};
    json_int_t hb = json_integer_value(json_object_get(j, "heartbeat_seconds"));
    const char *key = str_at(j, "area", "key");
    int rc;

    if (json_integer_value(json_object_get(j, "id")) != id ||
        strcmp(str_at(j, NULL, "state"), "open") || strcmp(str_at(j, "area", "application"), app)) {
        cb_log("warn", "launch refused", "{s:s, s:I}", "reason", "session is not open or not ours",
               "session", (json_int_t)id);
        launch_refused(r, out, 409);
        return;
    }
    if ((rc = cb_area_check(key, app)) != CB_OK) {
        if (rc == CB_EDB) {
            cb_reply_html(out, 500, r, "Internal error", "Please try again later.",
                          "Внутренняя ошибка", "Попробуйте позже.");
            return;
        }
        cb_reply_html(out, 404, r, "This data area is not on this server",
                      "The application server does not hold this data area. Ask the "
                      "administrator of the service.",
                      "Этой информационной базы нет на сервере",
                      "Сервер приложения не хранит эту информационную базу. Обратитесь к "
                      "администратору сервиса.");
        return;
    }
    s.id = id;
    s.app = (char *)app;
    s.area = (char *)key;
    s.area_name = (char *)str_at(j, "area", "name");
    s.app_name = (char *)str_at(j, "area", "application_name");
    s.app_name_ru = (char *)str_at(j, "area", "application_name_ru");
    s.person = (char *)str_at(j, "person", "name");
    s.heartbeat_seconds = hb <= 0 ? 60 : hb < 5 ? 5 : hb > 3600 ? 3600 : (int)hb;
    snprintf(s.state, sizeof(s.state), "open");
    cb_sessions_add(&s);
    out->status = 303;
    out->location = cb_xprintf("%s/", cb_config.public_url ? cb_config.public_url : "");
    out->cookie = cb_xprintf("cb_session=%s; Path=/; HttpOnly; SameSite=Lax%s", s.cookie,
                             cb_config.secure_cookie ? "; Secure" : "");
}

/* The token percent-encoded for the query (base64 may hold + / =). */
static char *
escape(const char *s)
{
    char *out = cb_xmalloc(3 * strlen(s) + 1), *p = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c))
            *p++ = (char)c;
        else
            p += snprintf(p, 4, "%%%02X", c);
    }
    *p = '\0';
    return out;
}

static void
launch(const struct cb_req *r, struct cb_resp *out)
{
    const char *app = cb_req_arg(r, "app"), *token = cb_req_arg(r, "token");
    int64_t id = parse_id(cb_req_arg(r, "session"));
    struct cb_answer a;
    char *enc, *pathq;

    if (!app_valid(app) || id < 0 || !token || !*token || strlen(token) > 512) {
        cb_reply_html(out, 400, r, "The link is incomplete",
                      "Open the data area again from Oblako.", "Ссылка неполная",
                      "Откройте информационную базу ещё раз из Облака.");
        return;
    }
    enc = escape(token);
    pathq = cb_xprintf("/api/v1/sessions/%lld?launch=%s", (long long)id, enc);
    if (cb_oblako_call(app, "GET", pathq, &a) != 0) {
        cb_log("error", "oblako unreachable", "{s:s}", "error", a.err);
        cb_reply_html(out, 502, r, "Oblako does not answer",
                      "The application cannot check the link now. Try again in a minute.",
                      "Облако не отвечает",
                      "Приложение не может сейчас проверить ссылку. Попробуйте через минуту.");
    } else if (a.status == 200 && json_is_object(a.json)) {
        launch_accept(r, out, app, id, a.json);
    } else if (a.status == 401) {
        cb_log("error", "oblako refused our signature", "{s:s}", "app", app);
        cb_reply_html(out, 403, r, "The application is not configured",
                      "Oblako refused the application's signature. Tell the administrator of "
                      "the service.",
                      "Приложение не настроено",
                      "Облако не приняло подпись приложения. Сообщите администратору сервиса.");
    } else {
        cb_log("info", "launch refused", "{s:i, s:I}", "oblako_status", (int)a.status, "session",
               (json_int_t)id);
        launch_refused(r, out, a.status == 409 ? 409 : 403);
    }
    cb_answer_clear(&a);
    free(pathq);
    free(enc);
}

/* --- the page API --- */

/* The states a session ends in; anything else Oblako may add reads as closed. */
static const char *
end_state(const char *s)
{
    if (s && !strcmp(s, "expired"))
        return "expired";
    if (s && !strcmp(s, "blocked"))
        return "blocked";
    return "closed";
}

static void
reply_over(struct cb_resp *out, const char *state, const char *detail)
{
    json_t *p = cb_problem_new(409, detail ? detail : "the session is over");

    json_object_set_new(p, "state", json_string(state));
    out->type = "application/problem+json";
    cb_reply_json(out, 409, p);
}

static void
state(const struct cb_session *s, struct cb_resp *out)
{
    char v[CB_VERSION_LEN];

    cb_area_version(s->area, v);
    cb_reply_json(out, 200,
                  json_pack("{s:I, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s}, s:i, s:s}",
                            "session", (json_int_t)s->id, "state", s->state, "area", "key",
                            s->area, "name", s->area_name, "application", "code", s->app, "name",
                            s->app_name, "name_ru", s->app_name_ru ? s->app_name_ru : "",
                            "person", "name", s->person, "heartbeat_seconds", s->heartbeat_seconds,
                            "version", v));
}

/* A cursor of entries_list's next: "YYYY-MM-DD.ID" of the last entry shown. */
static int
parse_cursor(const char *s, char date[11], int64_t *id)
{
    if (strlen(s) < 12 || s[10] != '.')
        return -1;
    memcpy(date, s, 10);
    date[10] = '\0';
    *id = parse_id(s + 11);
    return date_valid(date) && *id > 0 ? 0 : -1;
}

static void
entries_list(const struct cb_req *r, const struct cb_session *s, struct cb_resp *out)
{
    const char *limit_s = cb_req_arg(r, "limit"), *after = cb_req_arg(r, "after");
    int64_t limit = limit_s ? parse_id(limit_s) : 50, after_id = 0;
    char date[11] = "";
    json_t *page;
    int rc;

    if (limit < 1 || limit > 200) {
        cb_reply_problem(out, 400, "limit", "limit must be from 1 to 200");
        return;
    }
    if (after && *after && parse_cursor(after, date, &after_id) != 0) {
        cb_reply_problem(out, 400, "after", "after is not a cursor from next");
        return;
    }
    if ((rc = cb_entries_list(s->area, date[0] ? date : NULL, after_id, (int)limit, &page)) != 0)
        db_error(out, rc);
    else
        cb_reply_json(out, 200, page);
}

/* A comment: a string of at most CB_COMMENT_MAX bytes without control
 * characters other than tab and newlines (jansson checked the UTF-8). */
static int
comment_valid(json_t *c)
{
    const char *s = json_string_value(c);

    if (!s || json_string_length(c) > CB_COMMENT_MAX || strlen(s) != json_string_length(c))
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

static void
entries_add(const struct cb_req *r, const struct cb_session *s, struct cb_resp *out)
{
    size_t len;
    const char *body = cb_req_body(r, &len);
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL), *item;
    json_t *amount = json_object_get(j, "amount"), *comment = json_object_get(j, "comment");
    const char *date = json_string_value(json_object_get(j, "date"));
    json_int_t v = json_integer_value(amount);
    int rc;

    if (!json_is_object(j))
        cb_reply_problem(out, 400, NULL, "the body is not a JSON object");
    else if (!date || !date_valid(date))
        cb_reply_problem(out, 400, "date", "date must be a real date YYYY-MM-DD from 1900 to 2999");
    else if (!json_is_integer(amount) || v == 0 || v > CB_AMOUNT_MAX || v < -CB_AMOUNT_MAX)
        cb_reply_problem(out, 400, "amount",
                         "amount must be a non-zero whole number of kopecks, at most 10^13");
    else if (comment && !comment_valid(comment))
        cb_reply_problem(out, 400, "comment",
                         "comment must be text of at most %d bytes without control characters",
                         CB_COMMENT_MAX);
    else if ((rc = cb_entry_add(s->area, date, v, comment ? json_string_value(comment) : "",
                                &item)) != 0)
        db_error(out, rc);
    else
        cb_reply_json(out, 201, item);
    json_decref(j);
}

static void
entries_delete(const struct cb_session *s, const char *id_s, struct cb_resp *out)
{
    int64_t id = parse_id(id_s);
    int rc;

    if (id < 0)
        cb_reply_problem(out, 404, NULL, "no such entry");
    else if ((rc = cb_entry_delete(s->area, id)) == CB_OK)
        out->status = 204;
    else if (rc == CB_ENOTFOUND)
        cb_reply_problem(out, 404, NULL, "entry %lld is not in this data area", (long long)id);
    else
        db_error(out, rc);
}

/* Oblako's answer to a heartbeat or close that says the session is over. */
static const char *
over_state(const struct cb_answer *a)
{
    const char *st = json_string_value(json_object_get(a->json, "state"));

    if (a->status == 404)
        return "closed";
    if ((a->status == 409 || a->status == 403) && st)
        return end_state(st);
    return NULL;
}

static void
heartbeat(const struct cb_session *s, struct cb_resp *out)
{
    char *pathq = cb_xprintf("/api/v1/sessions/%lld/heartbeat", (long long)s->id);
    struct cb_answer a;
    const char *over;

    if (cb_oblako_call(s->app, "POST", pathq, &a) != 0) {
        cb_log("error", "oblako unreachable", "{s:s}", "error", a.err);
        cb_reply_problem(out, 502, NULL, "Oblako does not answer; the session goes on");
    } else if (a.status == 200) {
        json_t *j = json_is_object(a.json) ? json_incref(a.json) : json_object();

        if (!json_is_string(json_object_get(j, "state")))
            json_object_set_new(j, "state", json_string("open"));
        cb_reply_json(out, 200, j);
    } else if ((over = over_state(&a)) != NULL) {
        cb_sessions_set_state(s->cookie, over);
        reply_over(out, over, json_string_value(json_object_get(a.json, "detail")));
    } else {
        cb_log("error", "oblako refused a heartbeat", "{s:i}", "oblako_status", (int)a.status);
        cb_reply_problem(out, 502, NULL, "Oblako answered %ld; the session goes on", a.status);
    }
    cb_answer_clear(&a);
    free(pathq);
}

static void
close_session(const struct cb_session *s, struct cb_resp *out)
{
    char *pathq = cb_xprintf("/api/v1/sessions/%lld", (long long)s->id);
    struct cb_answer a;

    if (!strcmp(s->state, "open")) {
        if (cb_oblako_call(s->app, "DELETE", pathq, &a) != 0)
            cb_log("error", "oblako unreachable", "{s:s}", "error", a.err);
        else if (a.status != 204 && a.status != 200 && !over_state(&a))
            cb_log("error", "oblako refused a close", "{s:i}", "oblako_status", (int)a.status);
        cb_answer_clear(&a);
        cb_sessions_set_state(s->cookie, "closed");
    }
    out->status = 204;
    free(pathq);
}

static int
json_request(const struct cb_req *r)
{
    const char *ct = cb_req_header(r, "Content-Type");

    return ct && !strncasecmp(ct, "application/json", 16) && (ct[16] == '\0' || ct[16] == ';');
}

static void
page_api(const struct cb_req *r, const struct cb_session *s, struct cb_resp *out)
{
    const char *path = cb_req_path(r), *m = cb_req_method(r);
    const char *mine = cb_req_header(r, "X-Cashbook-Session");
    int post = !strcmp(m, "POST");

    if (post && !json_request(r))
        cb_reply_problem(out, 415, NULL, "send Content-Type: application/json");
    else if (mine && parse_id(mine) != s->id)
        reply_over(out, "replaced", "another data area was opened in this browser");
    else if (!strcmp(path, "/api/state") && !strcmp(m, "GET"))
        state(s, out);
    else if (!strcmp(path, "/api/close") && post)
        close_session(s, out);
    else if (strcmp(s->state, "open") != 0)
        reply_over(out, s->state, NULL);
    else if (!strcmp(path, "/api/heartbeat") && post)
        heartbeat(s, out);
    else if (!strcmp(path, "/api/entries") && !strcmp(m, "GET"))
        entries_list(r, s, out);
    else if (!strcmp(path, "/api/entries") && post)
        entries_add(r, s, out);
    else if (!strncmp(path, "/api/entries/", 13) && !strcmp(m, "DELETE"))
        entries_delete(s, path + 13, out);
    else if (!strcmp(path, "/api/receipts") && post)
        cb_receipts_add(r, s, out);
    else
        cb_reply_problem(out, 404, NULL, "no such call");
}

/* --- the page --- */

static void
asset(const char *name, struct cb_resp *out)
{
    size_t n = strlen(PAGE_DIR);

    for (const struct ob_asset *a = ob_web_assets; a->path; a++) {
        if (strncmp(a->path, PAGE_DIR, n) || strcmp(a->path + n, name))
            continue;
        out->status = 200;
        out->body = (char *)a->data;
        out->len = a->len;
        out->persistent = 1;
        out->type = strstr(name, ".js")    ? "text/javascript; charset=utf-8"
                    : strstr(name, ".css") ? "text/css; charset=utf-8"
                                           : "text/html; charset=utf-8";
        return;
    }
    cb_reply_problem(out, 404, NULL, "no such file");
}

int
cb_route_streams(const char *method, const char *path)
{
    char key[CB_KEY_LEN + 1];

    return !strcmp(method, "PUT") &&
           (cb_area_call(path, "restore", key) || cb_area_call(path, "import", key));
}

void
cb_route(const struct cb_req *r, struct cb_resp *out)
{
    const char *path = cb_req_path(r), *m = cb_req_method(r);
    struct cb_session s;
    int have = cb_sessions_get(cb_req_cookie(r, "cb_session"), &s) == 0;

    if (!strncmp(path, "/oblako/", 8))
        protocol(r, out);
    else if (!strncmp(path, "/api/", 5) && !have)
        cb_reply_problem(out, 401, NULL, "no session; open the data area from Oblako");
    else if (!strncmp(path, "/api/", 5))
        page_api(r, &s, out);
    else if (strcmp(m, "GET") != 0)
        cb_reply_problem(out, 405, NULL, "%s is not allowed on %s", m, path);
    else if (!strcmp(path, "/launch"))
        launch(r, out);
    else if (!strcmp(path, "/") && have)
        asset("/index.html", out);
    else if (!strcmp(path, "/"))
        cb_reply_html(out, 200, r, "Cash book",
                      "Open a data area of the cash book from Oblako to work with it.",
                      "Кассовая книга",
                      "Чтобы работать с кассовой книгой, откройте её информационную базу из "
                      "Облака.");
    else if (!strcmp(path, "/app.js") || !strcmp(path, "/app.css"))
        asset(path, out);
    else if (!strcmp(path, "/favicon.ico"))
        out->status = 204; /* none, and no error in the browser's console */
    else
        cb_reply_problem(out, 404, NULL, "no such page");
    if (have)
        cb_session_clear(&s);
}
