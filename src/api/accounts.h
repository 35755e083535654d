/*
 * accounts.h — rendering and parsing shared by the account resources
 * (partners.c, subscribers.c, applications.c, requests.c, invites.c).
 */
#ifndef OB_API_ACCOUNTS_H
#define OB_API_ACCOUNTS_H

#include <stdint.h>
#include <jansson.h>

struct ob_req;
struct ob_account_member;
struct ob_requisites;
struct ob_invite;

/* RFC 3339 instant, or null for 0. */
json_t *ob_api_instant(int64_t t);
/* A string, or null for NULL. */
json_t *ob_api_str(const char *s);
/* ["owner", "operator"] of role bits. */
json_t *ob_api_roles(unsigned roles);
/* {person, email, name, roles} (+ session_limit when with_limit). */
json_t *ob_api_member(const struct ob_account_member *m, int with_limit);
/* The answer to adding someone by email (api/invites.c): 202's body
 * {status: "invited", id, email, roles, expires_at} (+ session_limit), the
 * same whether the address has a login or not. */
json_t *ob_api_invited(const struct ob_invite *v, int with_limit);
/* The body's "roles" (an array of role names) as "a,b" in the request's
 * arena; NULL when absent (OB_EINVAL when not an array of names). */
int ob_api_req_roles(struct ob_req *req, const char **out);
/* A positive integer member of the body; 0 when absent or null. */
int ob_api_req_int(struct ob_req *req, const char *name, int64_t *out);
/* A positive integer query argument; 0 when absent. */
int ob_api_query_id(struct ob_req *req, const char *name, int64_t *out);
/* The requisites members of object o (the body, or "changes"); unknown
 * members are refused naming prefix+member. */
int ob_api_requisites(struct ob_req *req, json_t *o, const char *prefix, const char *const *extra,
                      struct ob_requisites *out);

#endif
