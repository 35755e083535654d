-- 0026 registration pages (issue 14, R-ONB-5): a sign-in link that also
-- confirms the address. A page that asks for a confirmed address
-- (regpages.confirm_email) answers a new client with "check your mail" and
-- mails a link valid for --link-hours: following it proves the mailbox,
-- sets signups.confirmed_at, starts the page's data area and signs in.
-- The 10-minute link of the answer (confirms = 0) proves nothing.
ALTER TABLE signin_links ADD COLUMN confirms BIGINT NOT NULL DEFAULT 0;
