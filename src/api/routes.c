/*
 * routes.c — the route table: every route the server answers.
 *
 * `oblako routes` prints it as JSON; the e2e suite reads that and fails when
 * a route is missing from docs/openapi.yaml or declares no tenancy class.
 */
#include "api/api.h"
#include "api/handlers.h"
#include "api/ops.h"

const struct ob_route ob_routes[] = {
    { "GET", "/healthz", ob_api_healthz, OB_ROUTE_PUBLIC, "public", "the process is up" },
    { "GET", "/readyz", ob_api_readyz, OB_ROUTE_PUBLIC, "public", "the database answers" },
    { "GET", "/metrics", ob_api_metrics, OB_ROUTE_PUBLIC, "ops", "Prometheus metrics" },
    { "GET", "/api/v1/test/clock", ob_api_clock_get, OB_ROUTE_TEST | OB_ROUTE_PUBLIC, "test",
      "the service clock (test servers only)" },
    { "POST", "/api/v1/test/clock", ob_api_clock_set, OB_ROUTE_TEST | OB_ROUTE_PUBLIC, "test",
      "set the service clock forward (test servers only)" },
    { "POST", "/api/v1/test/tasks", ob_api_test_task_create, OB_ROUTE_TEST | OB_ROUTE_PUBLIC,
      "test", "enqueue a test.note task (test servers only)" },
    { "GET", "/api/v1/test/tasks/{id}", ob_api_test_task_get, OB_ROUTE_TEST | OB_ROUTE_PUBLIC,
      "test", "state of a queued task (test servers only)" },
    { "POST", "/api/v1/auth/login", ob_api_login, OB_ROUTE_PUBLIC, "public",
      "sign in: sets the session cookie, returns who you are and the CSRF token" },
    { "POST", "/api/v1/auth/logout", ob_api_logout, OB_ROUTE_PUBLIC, "public",
      "sign out: ends the session on the server" },
    { "POST", "/api/v1/auth/password-reset", ob_api_reset_start, OB_ROUTE_PUBLIC, "public",
      "email a single-use link to set a new password" },
    { "POST", "/api/v1/auth/password-reset/confirm", ob_api_reset_finish, OB_ROUTE_PUBLIC,
      "public", "set a new password with the emailed link's token" },
    { "GET", "/api/v1/me", ob_api_me_get, 0, "self", "who am I: accounts, roles, language" },
    { "PATCH", "/api/v1/me", ob_api_me_patch, 0, "self",
      "change my name, language or password; switch the current account" },
    { "POST", "/api/v1/me/totp", ob_api_totp_start, 0, "self",
      "start setting up a TOTP second factor" },
    { "POST", "/api/v1/me/totp/confirm", ob_api_totp_confirm, 0, "self",
      "turn the second factor on with a code" },
    { "POST", "/api/v1/me/totp/disable", ob_api_totp_disable, 0, "self",
      "turn the second factor off with a code" },
    { "GET", "/api/v1/tokens", ob_api_tokens_list, 0, "self", "my API tokens (no secrets)" },
    { "POST", "/api/v1/tokens", ob_api_tokens_create, 0, "self",
      "create an API token for one of my accounts (shown once)" },
    { "DELETE", "/api/v1/tokens/{id}", ob_api_tokens_delete, 0, "self", "revoke an API token" },
};
const int ob_nroutes = sizeof(ob_routes) / sizeof(ob_routes[0]);
