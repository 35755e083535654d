/*
 * usage.c — the cash registers of an area and their receipts (R-CAT-6).
 *
 * The page records a receipt of a register (POST /api/receipts {register,
 * model}); the area keeps a count per register and day, and after each
 * receipt the day's counts of all the area's registers go to Oblako as one
 * usage report (POST /api/v1/usage, signed, docs/app-backend.md). The report
 * id is "<area>-<day>-<receipts of the day>": a retry of the same state is
 * the same report, a new receipt a new one. The day is UTC's, never after
 * the service's (Moscow is ahead of UTC). A report Oblako refuses or cannot
 * take is logged; the next receipt reports the day again.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cashbook.h"
#include "base/banned.h"

#define REGISTER_MAX 64
#define MODEL_MAX 32

static int
token_valid(const char *s, size_t max, int lower)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (lower ? !(islower(c) || isdigit(c) || c == '_' || c == '-')
                  : !(isalnum(c) || strchr("._:-", c)))
            return 0;
    }
    return 1;
}

/* The day's counts as one report; its HTTP status (0: no answer). */
static long
report(const struct cb_session *s, const char *day, json_t *registers)
{
    json_int_t total = 0;
    struct cb_answer a;
    json_t *v, *body;
    size_t i;
    char *text, *id;
    long status;

    json_array_foreach(registers, i, v)
        total += json_integer_value(json_object_get(v, "receipts"));
    id = cb_xprintf("%s-%s-%lld", s->area, day, (long long)total);
    body = json_pack("{s:s, s:s, s:s, s:O}", "report_id", id, "area", s->area, "day", day,
                     "registers", registers);
    text = json_dumps(body, JSON_COMPACT);
    if (cb_oblako_send(s->app, "POST", "/api/v1/usage", text, &a) != 0)
        cb_log("warn", "usage report not sent", "{s:s, s:s}", "area", s->area, "error", a.err);
    else if (a.status >= 300)
        cb_log("warn", "usage report refused", "{s:s, s:i}", "area", s->area, "status",
               (int)a.status);
    status = a.status;
    cb_answer_clear(&a);
    free(text);
    free(id);
    json_decref(body);
    return status;
}

void
cb_receipts_add(const struct cb_req *r, const struct cb_session *s, struct cb_resp *out)
{
    size_t len;
    const char *body = cb_req_body(r, &len);
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL), *registers = NULL;
    const char *reg = json_string_value(json_object_get(j, "register"));
    const char *model = json_string_value(json_object_get(j, "model"));
    char day[11];
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    gmtime_r(&now, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    if (!json_is_object(j))
        cb_reply_problem(out, 400, NULL, "the body is not a JSON object");
    else if (!token_valid(reg, REGISTER_MAX, 0))
        cb_reply_problem(out, 400, "register",
                         "register must be 1 to 64 Latin letters, digits and . _ : -");
    else if (!token_valid(model, MODEL_MAX, 1))
        cb_reply_problem(out, 400, "model",
                         "model must be 1 to 32 lower-case Latin letters, digits, _ and -");
    else if ((rc = cb_receipt_add(s->area, reg, model, day, &registers)) != CB_OK)
        cb_reply_problem(out, rc == CB_ENOTFOUND ? 404 : 500, NULL,
                         rc == CB_ENOTFOUND ? "the data area is gone" : "the receipt was not kept");
    else
        cb_reply_json(out, 201, json_pack("{s:s, s:s, s:O, s:i}", "day", day, "register", reg,
                                          "registers", registers, "reported",
                                          (int)report(s, day, registers)));
    json_decref(registers);
    json_decref(j);
}
