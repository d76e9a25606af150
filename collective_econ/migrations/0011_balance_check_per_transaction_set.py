"""The balance check runs once per database transaction over the set of journal
transactions it touched, instead of once per inserted row.

0002 re-summed a journal transaction's postings for every posting row inserted (a deferred
row trigger each), so a bulk insert of N settlements paid ~6N trigger calls at COMMIT.
Now:

- statement-level AFTER INSERT triggers on postings and journal transactions (with
  transition tables) note the journal transaction ids they touched in
  `collective_econ_balance_unchecked`, keyed by the top-level transaction id
  (txid_current() is the same inside savepoints), and put one row for this database
  transaction in `collective_econ_balance_check_due`;
- that row's deferred constraint trigger fires once, at COMMIT (or at SET CONSTRAINTS
  ... IMMEDIATE), and checks every noted journal transaction in two set-based queries:
  each has postings, and they sum to zero per currency. Then it clears its rows, so a
  later statement queues a new check.

Whatever path the write takes (ORM, bulk_create, raw SQL), the guarantee is the same as
before: an unbalanced or empty journal transaction, or a later posting that unbalances a
committed one, is refused at COMMIT with SQLSTATE 23514. Both helper tables are always
empty outside a transaction in flight (UNLOGGED: nothing in them survives a commit).
"""

from django.db import migrations

FORWARD = r"""
DROP TRIGGER collective_econ_posting_balanced ON collective_econ_posting;
DROP TRIGGER collective_econ_transaction_has_postings ON collective_econ_journaltransaction;
DROP FUNCTION collective_econ_check_balanced();

CREATE UNLOGGED TABLE collective_econ_balance_unchecked (
    xact bigint NOT NULL,
    transaction_id bigint NOT NULL,
    PRIMARY KEY (xact, transaction_id)
);
CREATE UNLOGGED TABLE collective_econ_balance_check_due (xact bigint PRIMARY KEY);

CREATE FUNCTION collective_econ_note_unchecked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'collective_econ_posting' THEN
        INSERT INTO collective_econ_balance_unchecked (xact, transaction_id)
        SELECT DISTINCT txid_current(), transaction_id FROM inserted
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO collective_econ_balance_unchecked (xact, transaction_id)
        SELECT txid_current(), id FROM inserted
        ON CONFLICT DO NOTHING;
    END IF;
    INSERT INTO collective_econ_balance_check_due (xact) VALUES (txid_current())
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER collective_econ_posting_noted
    AFTER INSERT ON collective_econ_posting
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION collective_econ_note_unchecked();

CREATE TRIGGER collective_econ_transaction_noted
    AFTER INSERT ON collective_econ_journaltransaction
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION collective_econ_note_unchecked();

CREATE FUNCTION collective_econ_check_noted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    empty_txn bigint;
    off record;
BEGIN
    SELECT u.transaction_id INTO empty_txn
      FROM collective_econ_balance_unchecked u
     WHERE u.xact = NEW.xact
       AND NOT EXISTS (SELECT 1 FROM collective_econ_posting p
                        WHERE p.transaction_id = u.transaction_id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal transaction % has no postings', empty_txn
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT p.transaction_id AS txn, p.currency, SUM(p.amount) AS total INTO off
      FROM collective_econ_posting p
     WHERE p.transaction_id IN (SELECT u.transaction_id FROM collective_econ_balance_unchecked u
                                 WHERE u.xact = NEW.xact)
     GROUP BY p.transaction_id, p.currency
    HAVING SUM(p.amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal transaction % is unbalanced: % % off',
            off.txn, off.total, off.currency
            USING ERRCODE = 'check_violation';
    END IF;
    DELETE FROM collective_econ_balance_unchecked WHERE xact = NEW.xact;
    DELETE FROM collective_econ_balance_check_due WHERE xact = NEW.xact;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER collective_econ_balanced_at_commit
    AFTER INSERT ON collective_econ_balance_check_due
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION collective_econ_check_noted();
"""

BACKWARD = r"""
DROP TRIGGER collective_econ_balanced_at_commit ON collective_econ_balance_check_due;
DROP FUNCTION collective_econ_check_noted();
DROP TRIGGER collective_econ_transaction_noted ON collective_econ_journaltransaction;
DROP TRIGGER collective_econ_posting_noted ON collective_econ_posting;
DROP FUNCTION collective_econ_note_unchecked();
DROP TABLE collective_econ_balance_check_due;
DROP TABLE collective_econ_balance_unchecked;

CREATE FUNCTION collective_econ_check_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    txn bigint;
    off record;
BEGIN
    IF TG_TABLE_NAME = 'collective_econ_posting' THEN
        txn := NEW.transaction_id;
    ELSE
        txn := NEW.id;
        IF NOT EXISTS (SELECT 1 FROM collective_econ_posting WHERE transaction_id = txn) THEN
            RAISE EXCEPTION 'journal transaction % has no postings', txn
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END IF;
    SELECT currency, SUM(amount) AS total INTO off
      FROM collective_econ_posting
     WHERE transaction_id = txn
     GROUP BY currency
    HAVING SUM(amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal transaction % is unbalanced: % % off', txn, off.total, off.currency
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER collective_econ_posting_balanced
    AFTER INSERT ON collective_econ_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION collective_econ_check_balanced();

CREATE CONSTRAINT TRIGGER collective_econ_transaction_has_postings
    AFTER INSERT ON collective_econ_journaltransaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION collective_econ_check_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("collective_econ", "0010_poverty_monitoring_line")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
