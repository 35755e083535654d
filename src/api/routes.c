/*
 * routes.c — the route table: every route the server answers.
 *
 * `oblako routes` prints it as JSON; the e2e suite reads that and fails when
 * a route is missing from docs/openapi.yaml or declares no tenancy class.
 */
#include "api/api.h"
#include "api/ops.h"

const struct ob_route ob_routes[] = {
    { "GET", "/healthz", ob_api_healthz, 0, "public", "the process is up" },
    { "GET", "/readyz", ob_api_readyz, 0, "public", "the database answers" },
    { "GET", "/metrics", ob_api_metrics, 0, "ops", "Prometheus metrics" },
    { "GET", "/api/v1/test/clock", ob_api_clock_get, OB_ROUTE_TEST, "test",
      "the service clock (test servers only)" },
    { "POST", "/api/v1/test/clock", ob_api_clock_set, OB_ROUTE_TEST, "test",
      "set the service clock forward (test servers only)" },
    { "POST", "/api/v1/test/tasks", ob_api_test_task_create, OB_ROUTE_TEST, "test",
      "enqueue a test.note task (test servers only)" },
    { "GET", "/api/v1/test/tasks/{id}", ob_api_test_task_get, OB_ROUTE_TEST, "test",
      "state of a queued task (test servers only)" },
};
const int ob_nroutes = sizeof(ob_routes) / sizeof(ob_routes[0]);
