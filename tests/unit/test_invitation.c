/*
 * test_invitation.c — invitation codes (model/onboarding/invitation.c,
 * R-ONB-1): what a typed code normalises to, and that a new code is 16
 * symbols of the alphabet without 0, O, 1 and I in groups of four.
 *
 * The decision on look-alikes (docs/decisions.md): Cyrillic letters that
 * look like Latin ones are read as those (a Russian keyboard layout), case
 * is ignored, separators are dropped anywhere; 0, O, 1 and I are not in the
 * alphabet and are refused, not guessed at.
 */
#include <stdio.h>

#include "model/onboarding/invitation.h"
#include "unit.h"
#include "base/banned.h"

static const struct parse_case {
    const char *name, *in, *want; /* want NULL: malformed */
} parse_cases[] = {
    { "R-ONB-1 as shown", "K7QF-2MXD-9TAB-W4HP", "K7QF-2MXD-9TAB-W4HP" },
    { "lower case", "k7qf-2mxd-9tab-w4hp", "K7QF-2MXD-9TAB-W4HP" },
    { "no dashes", "K7QF2MXD9TABW4HP", "K7QF-2MXD-9TAB-W4HP" },
    { "spaces between groups", "K7QF 2MXD 9TAB W4HP", "K7QF-2MXD-9TAB-W4HP" },
    { "spaces around", "  K7QF-2MXD-9TAB-W4HP \t", "K7QF-2MXD-9TAB-W4HP" },
    { "dashes anywhere", "K-7-Q-F2MXD--9TABW4HP", "K7QF-2MXD-9TAB-W4HP" },
    { "dots and underscores", "K7QF.2MXD_9TAB.W4HP", "K7QF-2MXD-9TAB-W4HP" },
    { "typographic dash (en dash)", "K7QF\xe2\x80\x93" "2MXD\xe2\x80\x93" "9TAB-W4HP",
      "K7QF-2MXD-9TAB-W4HP" },
    { "no-break space", "K7QF\xc2\xa0" "2MXD 9TAB W4HP", "K7QF-2MXD-9TAB-W4HP" },
    { "Cyrillic К Т А Н Р (Russian layout)",
      "\xd0\x9a" "7QF-2MXD-9" "\xd0\xa2\xd0\x90" "B-W4" "\xd0\x9d\xd0\xa0",
      "K7QF-2MXD-9TAB-W4HP" },
    { "Cyrillic small letters", "\xd0\xba" "7qf-2mxd-9tab-w4" "\xd0\xbd\xd1\x80",
      "K7QF-2MXD-9TAB-W4HP" },
    { "every symbol of the alphabet", "23456789ABCDEFGHJKLMNPQRSTUVWXYZ", NULL },
    { "the alphabet's first half", "23456789ABCDEFGH", "2345-6789-ABCD-EFGH" },
    { "the alphabet's second half", "JKLMNPQRSTUVWXYZ", "JKLM-NPQR-STUV-WXYZ" },
    { "O is not in the alphabet", "K7QF-2MXD-9TAB-W4HO", NULL },
    { "0 is not in the alphabet", "K7QF-2MXD-9TAB-W4H0", NULL },
    { "1 is not in the alphabet", "K7QF-2MXD-9TAB-W4H1", NULL },
    { "I is not in the alphabet", "K7QF-2MXD-9TAB-W4HI", NULL },
    { "Cyrillic О is not O either", "K7QF-2MXD-9TAB-W4H\xd0\x9e", NULL },
    { "15 symbols", "K7QF-2MXD-9TAB-W4H", NULL },
    { "17 symbols", "K7QF-2MXD-9TAB-W4HPX", NULL },
    { "empty", "", NULL },
    { "only separators", "- - - -", NULL },
    { "punctuation", "K7QF-2MXD-9TAB-W4H!", NULL },
    { "invalid UTF-8", "K7QF-2MXD-9TAB-W4H\xd0", NULL },
    { "a 4-byte character", "K7QF-2MXD-9TAB-W4H\xf0\x9f\x98\x80", NULL },
    { "SQL in it", "K7QF' OR 1=1 --", NULL },
    { "too long to look at", "K7QF-2MXD-9TAB-W4HP-----------------------------------------------------"
                             "---------------------------------------------", NULL },
};

static void
test_parse(void **state)
{
    char out[OB_INVITATION_CODE_LEN];

    (void)state;
    for (size_t i = 0; i < NELEM(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        int rc = ob_invitation_code_parse(c->in, out);

        CHECK_INT(c->name, rc, c->want ? 0 : -1);
        if (c->want)
            CHECK_STR(c->name, out, c->want);
    }
    CHECK_INT("NULL", ob_invitation_code_parse(NULL, out), -1);
}

static void
test_new(void **state)
{
    char out[OB_INVITATION_CODE_LEN], again[OB_INVITATION_CODE_LEN];
    int seen[256] = { 0 };

    (void)state;
    for (int i = 0; i < 2000; i++) {
        ob_invitation_code_new(out);
        CHECK_INT("length", strlen(out), 19);
        for (int j = 0; j < 19; j++) {
            if (j % 5 == 4) {
                CHECK_INT("a dash between groups", out[j], '-');
                continue;
            }
            CHECK_TRUE("no 0 O 1 I", !strchr("0O1I", out[j]));
            seen[(unsigned char)out[j]]++;
        }
        CHECK_INT("a new code parses to itself", ob_invitation_code_parse(out, again), 0);
        CHECK_STR("a new code parses to itself", again, out);
    }
    /* 32,000 symbols: each of the 32 comes up (about 1,000 times each) */
    for (const char *s = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"; *s; s++)
        CHECK_TRUE("every symbol is used", seen[(unsigned char)*s] > 700);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_new),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
