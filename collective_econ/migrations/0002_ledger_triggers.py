"""PostgreSQL keeps the ledger honest, whatever path a write takes (save, bulk_create,
update(), raw SQL):

- at COMMIT, every journal transaction touched must have postings summing to zero per
  currency, and at least one posting (deferred constraint triggers, so the legs of one
  entry may be inserted one by one inside the transaction);
- postings and journal transactions are never updated or deleted (corrections are
  reversing transactions). TRUNCATE is left to the operator (and to test teardown).

Both raise SQLSTATE class 23 (integrity), which Django surfaces as IntegrityError.
"""

from django.db import migrations

FORWARD = r"""
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

CREATE FUNCTION collective_econ_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of a posted ledger row (%) is refused: post a reversing transaction',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER collective_econ_posting_immutable
    BEFORE UPDATE OR DELETE ON collective_econ_posting
    FOR EACH ROW EXECUTE FUNCTION collective_econ_refuse_change();

CREATE TRIGGER collective_econ_transaction_immutable
    BEFORE UPDATE OR DELETE ON collective_econ_journaltransaction
    FOR EACH ROW EXECUTE FUNCTION collective_econ_refuse_change();
"""

BACKWARD = r"""
DROP TRIGGER collective_econ_transaction_immutable ON collective_econ_journaltransaction;
DROP TRIGGER collective_econ_posting_immutable ON collective_econ_posting;
DROP FUNCTION collective_econ_refuse_change();
DROP TRIGGER collective_econ_transaction_has_postings ON collective_econ_journaltransaction;
DROP TRIGGER collective_econ_posting_balanced ON collective_econ_posting;
DROP FUNCTION collective_econ_check_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("collective_econ", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
