/*
 * api.c — small accessors shared by every handler.
 */
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "base/banned.h"

static const char *
lookup(const struct ob_kv *kv, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(kv[i].name, name))
            return kv[i].value;
    return NULL;
}

const char *
ob_req_param(const struct ob_req *req, const char *name)
{
    return lookup(req->params, req->nparams, name);
}

const char *
ob_req_query(const struct ob_req *req, const char *name)
{
    return lookup(req->query, req->nquery, name);
}

const char *
ob_req_header(const struct ob_req *req, const char *name)
{
    return req->header ? req->header(req->hctx, name) : NULL;
}

int
ob_resp_json(struct ob_resp *resp, int status, json_t *v)
{
    resp->status = status;
    json_decref(resp->json);
    resp->json = v;
    return 0;
}

void
ob_resp_header(struct ob_resp *resp, const char *name, const char *value)
{
    if (resp->nheaders < OB_MAX_RESP_HEADERS) {
        resp->headers[resp->nheaders].name = name;
        resp->headers[resp->nheaders].value = value;
        resp->nheaders++;
    }
}
