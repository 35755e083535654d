/*
 * handlers.h — every handler of the route table (one file per resource).
 */
#ifndef OB_API_HANDLERS_H
#define OB_API_HANDLERS_H

struct ob_req;
struct ob_resp;

#define OB_HANDLER(name) int name(struct ob_req *req, struct ob_resp *resp)

/* auth.c */
OB_HANDLER(ob_api_login);
OB_HANDLER(ob_api_logout);
OB_HANDLER(ob_api_me_get);
OB_HANDLER(ob_api_me_patch);
OB_HANDLER(ob_api_reset_start);
OB_HANDLER(ob_api_reset_finish);
OB_HANDLER(ob_api_totp_start);
OB_HANDLER(ob_api_totp_confirm);
OB_HANDLER(ob_api_totp_disable);
/* tokens.c */
OB_HANDLER(ob_api_tokens_list);
OB_HANDLER(ob_api_tokens_create);
OB_HANDLER(ob_api_tokens_delete);

#endif
