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
/* regpages.c */
OB_HANDLER(ob_api_regpages_list);
OB_HANDLER(ob_api_regpages_create);
OB_HANDLER(ob_api_regpages_get);
OB_HANDLER(ob_api_regpages_patch);
OB_HANDLER(ob_api_regpages_stats);
OB_HANDLER(ob_api_regpage_page);
OB_HANDLER(ob_api_regpage_post);
OB_HANDLER(ob_api_regpage_options);
OB_HANDLER(ob_api_signin_link);
/* tokens.c */
OB_HANDLER(ob_api_tokens_list);
OB_HANDLER(ob_api_tokens_create);
OB_HANDLER(ob_api_tokens_delete);
/* audit.c */
OB_HANDLER(ob_api_audit_list);
OB_HANDLER(ob_api_subscriber_audit);
/* mailroom.c */
OB_HANDLER(ob_api_subscriber_reminders);
OB_HANDLER(ob_api_partner_reminders);
OB_HANDLER(ob_api_outbox_list);
OB_HANDLER(ob_api_outbox_get);
OB_HANDLER(ob_api_outbox_resend);

/* distributors.c */
OB_HANDLER(ob_api_distributors_list);
OB_HANDLER(ob_api_distributors_create);
OB_HANDLER(ob_api_distributors_get);
OB_HANDLER(ob_api_distributors_patch);
OB_HANDLER(ob_api_distributors_delete);
OB_HANDLER(ob_api_partner_payers);
/* partners.c */
OB_HANDLER(ob_api_partners_list);
OB_HANDLER(ob_api_partners_get);
OB_HANDLER(ob_api_partners_patch);
OB_HANDLER(ob_api_partner_statuses_list);
OB_HANDLER(ob_api_partner_statuses_create);
OB_HANDLER(ob_api_partner_statuses_delete);
OB_HANDLER(ob_api_partner_employees_list);
OB_HANDLER(ob_api_partner_employees_create);
OB_HANDLER(ob_api_partner_employees_patch);
OB_HANDLER(ob_api_partner_employees_delete);
/* applications.c */
OB_HANDLER(ob_api_questionnaires_create);
OB_HANDLER(ob_api_questionnaires_list);
OB_HANDLER(ob_api_questionnaires_approve);
OB_HANDLER(ob_api_questionnaires_reject);
/* requests.c */
OB_HANDLER(ob_api_requests_create);
OB_HANDLER(ob_api_requests_list);
OB_HANDLER(ob_api_requests_decide);
OB_HANDLER(ob_api_requests_quote);
/* transfers.c (R-TRF-1) */
OB_HANDLER(ob_api_transfer_letters_create);
OB_HANDLER(ob_api_transfers_create);
OB_HANDLER(ob_api_transfers_list);
OB_HANDLER(ob_api_transfers_get);
OB_HANDLER(ob_api_transfers_forward);
OB_HANDLER(ob_api_transfers_answer);
OB_HANDLER(ob_api_transfers_decide);
OB_HANDLER(ob_api_transfers_letter);
/* leads.c (R-ONB-7) */
OB_HANDLER(ob_api_leads_list);
OB_HANDLER(ob_api_leads_assign);
OB_HANDLER(ob_api_leads_accept);
OB_HANDLER(ob_api_leads_decline);
OB_HANDLER(ob_api_leads_funnel);
OB_HANDLER(ob_api_lead_rules_list);
OB_HANDLER(ob_api_lead_rules_create);
OB_HANDLER(ob_api_lead_rules_patch);
OB_HANDLER(ob_api_lead_rules_delete);
OB_HANDLER(ob_api_promotion_partners_add);
OB_HANDLER(ob_api_promotion_partners_remove);
/* closing.c */
OB_HANDLER(ob_api_statement_month_close);
/* subscribers.c */
OB_HANDLER(ob_api_subscribers_list);
OB_HANDLER(ob_api_subscribers_ending);
OB_HANDLER(ob_api_session_usage);
OB_HANDLER(ob_api_usage_report);
OB_HANDLER(ob_api_usage_month);
OB_HANDLER(ob_api_subscribers_create);
OB_HANDLER(ob_api_subscribers_get);
OB_HANDLER(ob_api_subscriber_info_get);
OB_HANDLER(ob_api_subscriber_info_put);
OB_HANDLER(ob_api_subscriber_users_list);
OB_HANDLER(ob_api_subscriber_users_create);
OB_HANDLER(ob_api_subscriber_users_patch);
OB_HANDLER(ob_api_subscriber_users_delete);
OB_HANDLER(ob_api_leave_reasons);
OB_HANDLER(ob_api_leave_reason_add);
OB_HANDLER(ob_api_leave_reason_set);
/* catalog.c */
OB_HANDLER(ob_api_catalog_apps_list);
OB_HANDLER(ob_api_catalog_apps_create);
OB_HANDLER(ob_api_catalog_apps_patch);
OB_HANDLER(ob_api_tariffs_list);
OB_HANDLER(ob_api_tariffs_create);
OB_HANDLER(ob_api_tariffs_patch);
OB_HANDLER(ob_api_tariff_prices_create);
OB_HANDLER(ob_api_partner_tariffs_list);
OB_HANDLER(ob_api_partner_tariffs_create);
OB_HANDLER(ob_api_partner_tariffs_get);
OB_HANDLER(ob_api_promotions_list);
OB_HANDLER(ob_api_promotions_create);
OB_HANDLER(ob_api_promotions_patch);
/* its.c */
OB_HANDLER(ob_api_its_list);
OB_HANDLER(ob_api_its_create);
OB_HANDLER(ob_api_its_get);
/* subscriptions.c */
OB_HANDLER(ob_api_subscriptions_list);
OB_HANDLER(ob_api_subscriptions_create);
OB_HANDLER(ob_api_subscriptions_quote);
OB_HANDLER(ob_api_subscriptions_get);
OB_HANDLER(ob_api_subscriptions_patch);
OB_HANDLER(ob_api_subscriber_entitlement);

/* areas.c */
OB_HANDLER(ob_api_areas_list);
OB_HANDLER(ob_api_areas_create);
OB_HANDLER(ob_api_areas_get);
OB_HANDLER(ob_api_areas_delete);
OB_HANDLER(ob_api_areas_restore);
/* backups.c */
OB_HANDLER(ob_api_backups_list);
OB_HANDLER(ob_api_backups_create);
OB_HANDLER(ob_api_backups_restore);
/* api/copies.c: copies to download and upload (R-DA-5) */
OB_HANDLER(ob_api_copies_export);
OB_HANDLER(ob_api_copies_get);
OB_HANDLER(ob_api_copies_export_link);
OB_HANDLER(ob_api_copies_backup_link);
OB_HANDLER(ob_api_copies_upload);
OB_HANDLER(ob_api_downloads_get);

OB_HANDLER(ob_api_grants_list);
OB_HANDLER(ob_api_grants_create);
OB_HANDLER(ob_api_grants_delete);
/* sessions.c */
OB_HANDLER(ob_api_sessions_open);
OB_HANDLER(ob_api_sessions_list);
OB_HANDLER(ob_api_sessions_get);
OB_HANDLER(ob_api_sessions_heartbeat);
OB_HANDLER(ob_api_sessions_close);
OB_HANDLER(ob_api_session_history);
/* invites.c */
OB_HANDLER(ob_api_invites_list);
OB_HANDLER(ob_api_invites_delete);
OB_HANDLER(ob_api_invites_resend);
OB_HANDLER(ob_api_invite_view);
OB_HANDLER(ob_api_invite_accept);
/* invitations.c */
OB_HANDLER(ob_api_invitations_list);
OB_HANDLER(ob_api_invitations_create);
OB_HANDLER(ob_api_invitations_revoke);
OB_HANDLER(ob_api_signup);

/* statements.c */
OB_HANDLER(ob_api_statements_list);
OB_HANDLER(ob_api_statements_get);
OB_HANDLER(ob_api_statements_lines);
OB_HANDLER(ob_api_statement_months_list);
OB_HANDLER(ob_api_statement_months_get);
OB_HANDLER(ob_api_statement_months_run);
/* webhooks.c */
OB_HANDLER(ob_api_webhooks_list);
OB_HANDLER(ob_api_webhooks_create);
OB_HANDLER(ob_api_webhooks_get);
OB_HANDLER(ob_api_webhooks_patch);
OB_HANDLER(ob_api_webhooks_delete);
OB_HANDLER(ob_api_webhooks_rotate);
OB_HANDLER(ob_api_webhooks_test);
OB_HANDLER(ob_api_webhooks_deliveries);
OB_HANDLER(ob_api_webhooks_resend);

/* versions.c: application versions, test releases, roll-outs */
OB_HANDLER(ob_api_versions_list);
OB_HANDLER(ob_api_versions_in_use);
OB_HANDLER(ob_api_versions_create);
OB_HANDLER(ob_api_versions_release);
OB_HANDLER(ob_api_areas_version);
OB_HANDLER(ob_api_rollouts_list);
OB_HANDLER(ob_api_rollouts_get);
OB_HANDLER(ob_api_rollouts_areas);
OB_HANDLER(ob_api_rollouts_pause);
OB_HANDLER(ob_api_rollouts_resume);
OB_HANDLER(ob_api_rollouts_retry);

#endif
