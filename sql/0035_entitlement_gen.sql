-- 0035 the subscriber's entitlement generation (issue 16 item 2; api/subscriptions.c).
--
-- Applications read GET /api/v1/subscribers/{id}/entitlement for every session they
-- open. Each node keeps the answer it last computed per subscriber in memory, and it is
-- good only while the subscriber's ent_gen is the number it was computed under: each
-- request reads this column with the serving partner (the one statement the access check
-- makes anyway), and every write to what the answer is computed from bumps it in the same
-- transaction. The database bumps it itself, by triggers, so no writer (another node, a
-- job, the command line, a later feature) can change a subscription or a data area and
-- leave a stale answer behind:
--   - subscriptions: any insert, update or delete (the rows, their states, dates, kinds,
--     quantities and tariff versions are all the computation reads);
--   - areas: insert and delete, and an update of the columns the working applications of
--     a choosing tariff are read from (subscriber_id, application_id, test, state);
--     a phase or a stamp moving does not.
-- The serving partner is read by the same statement on every request, so a transfer needs
-- no bump; a tariff version in use is never changed in place (model/catalog/catalog.c), and
-- the day is part of the cached answer's key.
ALTER TABLE subscribers ADD COLUMN ent_gen BIGINT NOT NULL DEFAULT 0;
--@ sqlite
CREATE TRIGGER subscriptions_ent_gen_ins AFTER INSERT ON subscriptions BEGIN
  UPDATE subscribers SET ent_gen = ent_gen + 1 WHERE account_id = NEW.subscriber_id;
END;
CREATE TRIGGER subscriptions_ent_gen_upd AFTER UPDATE ON subscriptions BEGIN
  UPDATE subscribers SET ent_gen = ent_gen + 1
   WHERE account_id IN (OLD.subscriber_id, NEW.subscriber_id);
END;
CREATE TRIGGER subscriptions_ent_gen_del AFTER DELETE ON subscriptions BEGIN
  UPDATE subscribers SET ent_gen = ent_gen + 1 WHERE account_id = OLD.subscriber_id;
END;
CREATE TRIGGER areas_ent_gen_ins AFTER INSERT ON areas BEGIN
  UPDATE subscribers SET ent_gen = ent_gen + 1 WHERE account_id = NEW.subscriber_id;
END;
CREATE TRIGGER areas_ent_gen_upd AFTER UPDATE OF subscriber_id, application_id, test, state
  ON areas BEGIN
  UPDATE subscribers SET ent_gen = ent_gen + 1
   WHERE account_id IN (OLD.subscriber_id, NEW.subscriber_id);
END;
CREATE TRIGGER areas_ent_gen_del AFTER DELETE ON areas BEGIN
  UPDATE subscribers SET ent_gen = ent_gen + 1 WHERE account_id = OLD.subscriber_id;
END;
--@ postgres
CREATE FUNCTION ob_ent_gen_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE subscribers SET ent_gen = ent_gen + 1 WHERE account_id = OLD.subscriber_id;
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.subscriber_id <> OLD.subscriber_id) THEN
    UPDATE subscribers SET ent_gen = ent_gen + 1 WHERE account_id = NEW.subscriber_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER subscriptions_ent_gen AFTER INSERT OR UPDATE OR DELETE ON subscriptions
  FOR EACH ROW EXECUTE FUNCTION ob_ent_gen_bump();
CREATE TRIGGER areas_ent_gen_ins_del AFTER INSERT OR DELETE ON areas
  FOR EACH ROW EXECUTE FUNCTION ob_ent_gen_bump();
CREATE TRIGGER areas_ent_gen_upd AFTER UPDATE OF subscriber_id, application_id, test, state
  ON areas FOR EACH ROW EXECUTE FUNCTION ob_ent_gen_bump();
--@ both
