// roles.js — what the current account's roles may use, as the server checks it
// (src/model: ob_access_provider, ob_access_partner, ob_access_subscriber):
// a page or button open to other roles is left out of the menu, or shown
// disabled with the roles it is open to in its title, never a refusal.
import { t } from './i18n.js';
import { account } from './session.js';

/** May the current account's roles use something open to `roles` (none: everyone)? */
export function mayUse(roles) {
  const acc = account();
  return !roles || (!!acc && roles.some((r) => acc.roles.includes(r)));
}

/** Why the current account may not use something open to `roles`, for a disabled button's title; null when it may. */
export function roleReason(roles) {
  return mayUse(roles) ? null : t('role.needed', { roles: roles.map((r) => t(`role.${r}`)).join(', ') });
}

/** A button's disabled and title for something open to `roles`: {} when the account may use it. */
export function roleGate(roles) {
  const why = roleReason(roles);
  return why ? { disabled: true, title: why } : {};
}
