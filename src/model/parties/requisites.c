/*
 * requisites.c — checks of requisites and form text (see requisites.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "base/utf8.h"
#include "model/identity/account.h"
#include "model/identity/person.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

static int
weighted(const char *s, const int *w, int n)
{
    int sum = 0;

    for (int i = 0; i < n; i++)
        sum += (s[i] - '0') * w[i];
    return sum % 11 % 10;
}

bool
ob_inn_valid(const char *inn)
{
    static const int w10[] = { 2, 4, 10, 3, 5, 9, 4, 6, 8 };
    static const int w11[] = { 7, 2, 4, 10, 3, 5, 9, 4, 6, 8 };
    static const int w12[] = { 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8 };
    size_t n = inn ? strlen(inn) : 0;

    if (n != 10 && n != 12)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)inn[i]))
            return false;
    if (!strncmp(inn, "00", 2))
        return false;           /* no region has code 00 */
    if (n == 10)
        return weighted(inn, w10, 9) == inn[9] - '0';
    return weighted(inn, w11, 10) == inn[10] - '0' && weighted(inn, w12, 11) == inn[11] - '0';
}

int
ob_check_inn(struct ob_ctx *ctx, const char *inn, const char *field)
{
    size_t n = inn ? strlen(inn) : 0;

    if (n == 0)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "requisites.inn_required");
    if ((n != 10 && n != 12) || strspn(inn, "0123456789") != n)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "requisites.inn_digits");
    if (!ob_inn_valid(inn))
        return ob_err_field(&ctx->err, OB_EINVAL, field, "requisites.inn_check");
    return 0;
}

int
ob_check_kpp(struct ob_ctx *ctx, const char *kpp, const char *field)
{
    size_t n = kpp ? strlen(kpp) : 0;
    bool ok = n == 9;

    if (n == 0)
        return 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = isdigit((unsigned char)kpp[i]) ||
             ((i == 4 || i == 5) && kpp[i] >= 'A' && kpp[i] <= 'Z');
    if (!ok)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "requisites.kpp_format");
    return 0;
}

int
ob_check_phone(struct ob_ctx *ctx, const char *phone, const char *field)
{
    size_t n = phone ? strlen(phone) : 0, digits = 0;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)phone[i]))
            digits++;
        else if (!strchr(" +-()", phone[i]))
            return ob_err_field(&ctx->err, OB_EINVAL, field, "requisites.phone_chars");
    }
    if (digits < 7 || digits > 20 || n > 40)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "requisites.phone_digits");
    return 0;
}

int
ob_check_text(struct ob_ctx *ctx, const char *s, size_t max, bool required, const char *field)
{
    size_t n = s ? strlen(s) : 0;

    if (required && n == 0)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "field.required");
    if (n > max)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "field.too_long", "max=%zu", max);
    if (n && !ob_utf8_valid(s))
        return ob_err_field(&ctx->err, OB_EINVAL, field, "requisites.not_utf8");
    return 0;
}

int
ob_requisites_check(struct ob_ctx *ctx, struct ob_requisites *r, bool partial,
                    const char *prefix)
{
    char f[64], email[OB_EMAIL_MAX + 1];
    int rc = 0;

#define FIELD(x) (snprintf(f, sizeof(f), "%s%s", prefix, x), f)
    if (!partial || r->name)
        rc = ob_account_check_name(ctx, r->name, FIELD("name"));
    if (rc == 0 && (!partial || r->inn))
        rc = ob_check_inn(ctx, r->inn, FIELD("inn"));
    if (rc == 0 && r->kpp)
        rc = ob_check_kpp(ctx, r->kpp, FIELD("kpp"));
    if (rc == 0 && !partial && (!r->phone || !*r->phone))
        rc = ob_err_field(&ctx->err, OB_EINVAL, FIELD("phone"), "requisites.required", "f=%s", f);
    if (rc == 0 && r->phone)
        rc = ob_check_phone(ctx, r->phone, FIELD("phone"));
    if (rc == 0 && r->phone && partial && !*r->phone)
        rc = ob_err_field(&ctx->err, OB_EINVAL, FIELD("phone"), "requisites.empty", "f=%s", f);
    if (rc == 0 && (!partial || r->email)) {
        rc = ob_email_normalize(ctx, r->email, email, sizeof(email), FIELD("email"));
        if (rc == 0)
            r->email = ob_arena_strdup(&ctx->arena, email);
    }
    if (rc == 0)
        rc = ob_check_text(ctx, r->site, 200, false, FIELD("site"));
    if (rc == 0)
        rc = ob_check_text(ctx, r->address, 500, false, FIELD("address"));
    if (rc == 0)
        rc = ob_check_text(ctx, r->region, 100, false, FIELD("region"));
#undef FIELD
    return rc;
}

