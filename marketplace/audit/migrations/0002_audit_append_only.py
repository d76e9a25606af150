"""The audit log is append-only whatever path a write takes (save, update(), raw SQL):
PostgreSQL refuses every UPDATE and DELETE of an audit entry. TRUNCATE is left to the
operator (and to test teardown); the hash chain tells on anything done behind this."""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of an audit entry is refused: the audit log is append-only', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
