// keys.js — the values of the message keys the cabinet builds at run time.
//
// A key such as t(`status.${s}`) is checked by no literal search, so every
// pattern built in web/ is declared here, `*` where the value goes, with
// every value the code may put there. tests/e2e/i18n_keys.test.js finds each
// built key in web/, fails when its pattern is not here, and checks that
// every expansion is in ru.json and en.json. Where the server holds the list
// (a CHECK in sql/, a table in src/), the test checks this one against it, so
// a new server value without a message fails the test too.
const SUB_KINDS = ['trial', 'main', 'extension', 'short_extension', 'deferred_renewal', 'its_local'];
const STATUSES = ['csk', 'erp_cc', 'corp_list', 'cso'];
const PROMO_KINDS = ['offer', 'free_period', 'free_units'];
const REQUESTS = ['requisites', 'subscription_cancel', 'subscription_change', 'trial_change'];
const APPLICATION_TABS = ['submitted', 'approved', 'rejected'];
// the provider's audit filter: kinds of action by the part of their name before the dot
export const AUDIT_GROUPS = ['subscription', 'request', 'transfer', 'area', 'session', 'grant', 'subscriber', 'partner', 'partner_application',
  'member', 'invitation', 'auth', 'person', 'token', 'catalog', 'its', 'leave_reason', 'provider', 'statement', 'distributor',
  'webhook', 'mail', 'regpage', 'lead', 'lead_rule', 'promotion', 'version', 'rollout'];
const REQUEST_TABS = ['open', 'applied', 'rejected'];
// the kinds of events a webhook endpoint may choose (docs/events.md), their names: webhooks.kind.<kind with _>
export const WEBHOOK_KINDS = ['access.reminder', 'subscription.posted', 'request.decided', 'partner.application_decided',
  'grant.given', 'grant.revoked', 'grant.expired', 'session.limit_reached', 'statement.closed', 'transfer.step', 'member.added', 'member.removed', 'partner.digest', 'webhook.test',
  'subscriber.registered', 'lead.assigned', 'lead.accepted', 'lead.declined', 'lead.expired',
  'area.backup_failed', 'area.restored',
  'version.published', 'version.released', 'rollout.done'];

export const BUILT_KEYS = {
  // a transfer's step and the current partner's answer (pages/transfers.js, R-TRF-1)
  'transfers.step_*': ['filed', 'forwarded', 'approved', 'rejected'],
  'transfers.answer_*': ['waiting', 'agreed', 'objected', 'silent'],
  'audit.group.*': AUDIT_GROUPS,
  'webhooks.kind.*': WEBHOOK_KINDS.map((k) => k.replace(/\./g, '_')),
  'webhooks.state.*': ['pending', 'failed', 'delivered', 'dead'],
  'webhooks.tab.*': ['all', 'pending', 'failed', 'delivered', 'dead'],
  // a request's or an audit record's changed members and declarations (pages/sentences.js)
  'change.*': ['declarations', 'end', 'from_local_its', 'new_client', 'quantity', 'start', 'tariff', 'term_months',
    'settle_with', 'distributor'],
  // who a partner's statements are addressed to (partners.settle_with)
  'payer.*': ['provider', 'distributor'],
  // a statement run's state (sql/0013 statement_runs.state)
  'months.run_*': ['running', 'done', 'failed'],
  // the catalog's application lists (data/catalog.json "lists")
  'catalog.list_*': ['prof'],
  // every audit action: tests/e2e/audit_sentences.test.js reads them from src/ and
  // checks each has its sentence; here the values are the catalogs' own keys
  'audit.say.*': null,
  'kind.*': ['provider', 'partner', 'subscriber'],
  'invite.kind.*': ['partner', 'subscriber'],
  'invite.bad.*': ['accepted', 'cancelled', 'expired', 'replaced', 'unknown'],
  // an invitation code's state (pages/invitations.js, R-ONB-1)
  'invitations.state.*': ['open', 'activated', 'expired', 'revoked'],
  'lang.*': ['ru', 'en'],
  // an outbox message's state (sql/0002 outbox.state) and a reminder's mails together (pages/mail.js)
  'mail.state.*': ['queued', 'sent', 'failed', 'none'],
  // the templates the service mails (src/mail/templates), named in the provider's "Почта"
  'mail.template.*': ['access_reminder', 'partner_digest', 'password_reset', 'member_invited', 'partner_approved',
    'partner_rejected', 'request_decided', 'statement_closed', 'transfer_step', 'invitation_code', 'signup_confirm',
    'signup_sign_in', 'signup_partner'],
  'role.*': ['owner', 'administrator', 'user', 'operator', 'consultant', 'developer', 'admin', 'auditor', 'support'],
  'status.*': STATUSES,
  'status.*.long': STATUSES,
  'sub_kind.*': SUB_KINDS,
  'tariff_kind.*': ['trial', 'main', 'extension', 'short_extension', 'per_unit'],
  'services.*': ['basic', 'prof'],
  'tab.*': [...APPLICATION_TABS, ...REQUEST_TABS],
  // the request dialog's statement month (GET /api/v1/requests/{id}/quote)
  'requests.quote_month_*': ['open', 'closed'],
  'applications.empty_*': APPLICATION_TABS,
  'request.*': REQUESTS,
  // a partner's requisites other than its name and email (common.js requisiteLabel)
  'field.*': ['inn', 'kpp', 'phone', 'site', 'address', 'region'],
  'rule.*': ['new_client', 'first_continuous_renewal', 'later_renewal', 'renewal_after_gap', 'from_local_its',
    'partner_without_csk', 'individual_terms', 'first_paid_not_new_client', 'direct'],
  'promo.kind.*': PROMO_KINDS,
  'promo.edit_text.*': PROMO_KINDS,
  'promo.state.*': ['upcoming', 'in_force', 'ended'],
  'catalog.tab_*': ['tariffs', 'applications', 'promotions'],
  'area_state.*': ['creating', 'ready', 'failed', 'deleting', 'deleted'],
  'area_phase.*': ['restoring', 'updating', 'archiving', 'archived', 'unarchiving'],
  'backups.kind.*': ['daily', 'manual', 'before_restore', 'before_update', 'archive'],
  'grant_state.*': ['active', 'expired', 'revoked', 'ended'],
  'grant_ended.*': ['employee_removed', 'partner_changed'],
  'close_reason.*': ['closed', 'closed_by_owner', 'closed_by_user', 'idle', 'expired', 'taken_over', 'blocked',
    'area_deleted', 'grant_expired', 'grant_revoked', 'area_restoring', 'area_updating'],
  // application versions and roll-outs (pages/versions.js)
  'versions.state_*': ['test', 'released'],
  'rollout.count_*': ['updated', 'failed', 'updating', 'waiting', 'queued'],
  'rollout.state_*': ['running', 'paused', 'done'],
  'rollout.state_text_*': ['running', 'paused', 'done'],
  'rollout.area_*': ['updated', 'failed', 'updating', 'waiting', 'pending'],
  'rollout.tab_*': ['failed', 'updating', 'waiting', 'queued', 'updated', 'all'],
  'rollout.*_done': ['pause', 'resume', 'retry'],
  'history.event_*': ['open', 'close', 'expire'],
  // the server's problem codes (src/base/err.c) and the cabinet's own
  'err.*': ['invalid', 'unauthorized', 'forbidden', 'not_found', 'method_not_allowed', 'conflict', 'too_large',
    'unsupported_media_type', 'limit_exceeded', 'blocked', 'rate_limited', 'unavailable', 'internal',
    'network', 'unexpected', 'session_ended'],
  // badges without a label of their own (ui.js badge)
  'state.*': ['active', 'applied', 'approved', 'blocked', 'left', 'open', 'rejected', 'revoked', 'submitted', 'suspended', 'trial'],
};
