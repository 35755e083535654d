-- 0008: the end-date list of a partner's clients (R-SUB-8) is read in
-- ("end", id) order from this index and stops at the page's end; before it,
-- every page sorted all of the partner's subscriptions (~1 s a page at 100k
-- rows, bench/entitlement.sh).
CREATE INDEX subscriptions_end ON subscriptions ("end", id);
