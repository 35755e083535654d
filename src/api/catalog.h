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

/* A boolean member of the JSON body: *out untouched when absent or null;
 * OB_EINVAL naming it when it is not true or false. */
int ob_api_bool_member(struct ob_req *req, const char *name, int *out);

#endif
