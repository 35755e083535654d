/*
 * role.h — accounts' kinds and the roles a person holds in them (R-ACT-2).
 *
 * Roles are bits; their names depend on the kind of account: a subscriber
 * has owner, administrator, user; a partner owner, operator, consultant,
 * developer; the provider admin, operator, auditor, support. They are stored
 * as a comma-separated list of names and parsed against the account's kind,
 * so a role of another kind of account cannot be given by mistake.
 */
#ifndef OB_MODEL_IDENTITY_ROLE_H
#define OB_MODEL_IDENTITY_ROLE_H

#include <stdbool.h>
#include <stddef.h>

enum ob_kind { OB_KIND_NONE = 0, OB_KIND_PROVIDER, OB_KIND_PARTNER, OB_KIND_SUBSCRIBER };

enum {
    OB_ROLE_OWNER = 1u << 0,          /* subscriber, partner */
    OB_ROLE_ADMINISTRATOR = 1u << 1,  /* subscriber */
    OB_ROLE_USER = 1u << 2,           /* subscriber */
    OB_ROLE_OPERATOR = 1u << 3,       /* partner, provider */
    OB_ROLE_CONSULTANT = 1u << 4,     /* partner */
    OB_ROLE_DEVELOPER = 1u << 5,      /* partner */
    OB_ROLE_ADMIN = 1u << 6,          /* provider */
    OB_ROLE_AUDITOR = 1u << 7,        /* provider */
    OB_ROLE_SUPPORT = 1u << 8,        /* provider */
};
#define OB_ROLES_ANY 0x1ffu

const char *ob_kind_name(enum ob_kind k);
enum ob_kind ob_kind_parse(const char *s);
/* Parse "owner,operator" for an account of kind k; -1 on an unknown name or
 * a role the kind does not have (*bad names it). */
int ob_roles_parse(enum ob_kind k, const char *s, unsigned *roles, const char **bad);
/* Format roles as "owner,operator" into out. */
void ob_roles_format(unsigned roles, char *out, size_t size);
const char *ob_role_name(unsigned role);

#endif
