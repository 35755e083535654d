/*
 * role.c — role names and bits.
 */
#include <stdio.h>
#include <string.h>

#include "model/identity/role.h"
#include "base/banned.h"

static const struct {
    unsigned bit;
    const char *name;
    unsigned kinds;     /* bit (1 << kind) for each kind that has it */
} roles[] = {
    { OB_ROLE_OWNER, "owner", 1u << OB_KIND_SUBSCRIBER | 1u << OB_KIND_PARTNER },
    { OB_ROLE_ADMINISTRATOR, "administrator", 1u << OB_KIND_SUBSCRIBER },
    { OB_ROLE_USER, "user", 1u << OB_KIND_SUBSCRIBER },
    { OB_ROLE_OPERATOR, "operator", 1u << OB_KIND_PARTNER | 1u << OB_KIND_PROVIDER },
    { OB_ROLE_CONSULTANT, "consultant", 1u << OB_KIND_PARTNER },
    { OB_ROLE_DEVELOPER, "developer", 1u << OB_KIND_PARTNER },
    { OB_ROLE_ADMIN, "admin", 1u << OB_KIND_PROVIDER },
    { OB_ROLE_AUDITOR, "auditor", 1u << OB_KIND_PROVIDER },
    { OB_ROLE_SUPPORT, "support", 1u << OB_KIND_PROVIDER },
};
#define NROLES (sizeof(roles) / sizeof(roles[0]))

static const char *const kinds[] = { "", "provider", "partner", "subscriber" };

const char *
ob_kind_name(enum ob_kind k)
{
    return k >= OB_KIND_PROVIDER && k <= OB_KIND_SUBSCRIBER ? kinds[k] : "";
}

enum ob_kind
ob_kind_parse(const char *s)
{
    for (int k = OB_KIND_PROVIDER; k <= OB_KIND_SUBSCRIBER; k++)
        if (s && !strcmp(s, kinds[k]))
            return (enum ob_kind)k;
    return OB_KIND_NONE;
}

/* The roles an account of kind k can give. */
static unsigned
roles_allowed(enum ob_kind k)
{
    unsigned all = 0;

    for (size_t i = 0; i < NROLES; i++)
        if (roles[i].kinds & (1u << k))
            all |= roles[i].bit;
    return all;
}

const char *
ob_role_name(unsigned role)
{
    for (size_t i = 0; i < NROLES; i++)
        if (roles[i].bit == role)
            return roles[i].name;
    return "";
}

int
ob_roles_parse(enum ob_kind k, const char *s, unsigned *out, const char **bad)
{
    static _Thread_local char word[32];
    unsigned allowed = roles_allowed(k), r = 0;

    *out = 0;
    while (s && *s) {
        size_t n = strcspn(s, ",");
        size_t i;

        snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) ? n : sizeof(word) - 1), s);
        for (i = 0; i < NROLES; i++)
            if (!strcmp(word, roles[i].name) && (roles[i].bit & allowed))
                break;
        if (i == NROLES) {
            if (bad)
                *bad = word;
            return -1;
        }
        r |= roles[i].bit;
        s += n + (s[n] == ',');
    }
    *out = r;
    return 0;
}

void
ob_roles_format(unsigned r, char *out, size_t size)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < NROLES && used < size; i++) {
        if (r & roles[i].bit) {
            int w = snprintf(out + used, size - used, "%s%s", used ? "," : "", roles[i].name);

            used += w > 0 ? (size_t)w : 0;
        }
    }
}
