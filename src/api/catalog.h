/*
 * catalog.h — helpers shared by the catalog resources (catalog.c, its.c).
 */
#ifndef OB_API_CATALOG_H
#define OB_API_CATALOG_H

#include <jansson.h>

struct ob_req;

/* Refuse a member of object o that is not in names (NULL-terminated):
 * OB_EINVAL naming prefix + the member. */
int ob_api_only_members(struct ob_req *req, json_t *o, const char *prefix,
                        const char *const *names);

#endif
