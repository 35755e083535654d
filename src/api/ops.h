/*
 * ops.h — handlers of the operators' endpoints and the test-only routes.
 */
#ifndef OB_API_OPS_H
#define OB_API_OPS_H

struct ob_req;
struct ob_resp;

int ob_api_healthz(struct ob_req *req, struct ob_resp *resp);
int ob_api_readyz(struct ob_req *req, struct ob_resp *resp);
int ob_api_metrics(struct ob_req *req, struct ob_resp *resp);

/* Only with --test-clock. */
int ob_api_clock_get(struct ob_req *req, struct ob_resp *resp);
int ob_api_clock_set(struct ob_req *req, struct ob_resp *resp);
int ob_api_test_task_create(struct ob_req *req, struct ob_resp *resp);
int ob_api_test_jobs_run(struct ob_req *req, struct ob_resp *resp);
int ob_api_test_task_get(struct ob_req *req, struct ob_resp *resp);

#endif
