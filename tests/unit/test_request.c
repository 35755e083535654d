/*
 * test_request.c — the rules of requests (R-SUB-2) and of the letter of a
 * transfer (R-TRF-1) as tables named by rule.
 */
#include "unit.h"

#include <stdbool.h>

#include "base/date.h"
#include "model/requests/request.h"
#include "model/requests/transfer.h"

static int32_t
d(const char *s)
{
    int32_t day = 0;

    assert_int_equal(ob_date_parse(s, &day), 0);
    return day;
}

static void
test_late_requests(void **state)
{
    static const struct {
        const char *name, *posted, *filed;
        bool late;
    } rows[] = {
        { "R-SUB-2 posted Wednesday, filed Monday", "2026-11-25", "2026-11-30", false },
        { "R-SUB-2 posted Wednesday, filed Tuesday", "2026-11-25", "2026-12-01", true },
        { "R-SUB-2 posted Monday: the following Monday", "2026-11-30", "2026-12-07", false },
        { "R-SUB-2 posted Monday, filed a week and a day later", "2026-11-30", "2026-12-08",
          true },
        { "R-SUB-2 posted Sunday, filed next day", "2026-11-29", "2026-11-30", false },
        { "R-SUB-2 posted Sunday, filed Tuesday", "2026-11-29", "2026-12-01", true },
        { "R-SUB-2 same day", "2026-11-27", "2026-11-27", false },
    };

    (void)state;
    for (size_t i = 0; i < NELEM(rows); i++)
        CHECK_INT(rows[i].name, ob_request_late(d(rows[i].posted), d(rows[i].filed)),
                  rows[i].late);
}

static void
test_letter_types(void **state)
{
    static const struct {
        const char *name;
        const char *bytes;
        size_t len;
        const char *type;   /* NULL: refused */
    } rows[] = {
        { "R-TRF-1 a PDF", "%PDF-1.7\n", 9, "application/pdf" },
        { "R-TRF-1 a JPEG", "\xff\xd8\xff\xe0\0\x10JFIF", 10, "image/jpeg" },
        { "R-TRF-1 a PNG", "\x89PNG\r\n\x1a\n\0\0", 10, "image/png" },
        { "R-TRF-1 HTML named letter.pdf", "<!doctype html><p>", 18, NULL },
        { "R-TRF-1 a PDF cut short", "%PDF", 4, NULL },
        { "R-TRF-1 a PNG without its line ends", "\x89PNG\n\n\x1a\n", 8, NULL },
        { "R-TRF-1 a JPEG's first two bytes only", "\xff\xd8", 2, NULL },
        { "R-TRF-1 a PDF signature later in the file", " %PDF-1.4", 9, NULL },
        { "R-TRF-1 empty", "", 0, NULL },
    };

    (void)state;
    for (size_t i = 0; i < NELEM(rows); i++) {
        const char *got = ob_transfer_letter_type((const unsigned char *)rows[i].bytes, rows[i].len);

        CHECK_STR(rows[i].name, got ? got : "(refused)", rows[i].type ? rows[i].type : "(refused)");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_late_requests),
        cmocka_unit_test(test_letter_types),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
