"""Stored reports, their values and filings, and red-flag rankings and their entries are
never changed or deleted, whatever path a write takes (save, update(), raw SQL): a report
is what was filed, a ranking is what was published. TRUNCATE is left to the operator (and
to test teardown). The refusal is SQLSTATE 23001, surfaced by Django as IntegrityError.
"""

from django.db import migrations

TABLES = (
    "supervision_periodicreport",
    "supervision_reportvalue",
    "supervision_reportfiling",
    "supervision_redflagranking",
    "supervision_redflagentry",
)

FORWARD = r"""
CREATE FUNCTION supervision_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of a stored supervision record (%) is refused: it is kept as issued',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
""" + "".join(
    f"""
CREATE TRIGGER {table}_immutable
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION supervision_refuse_change();
"""
    for table in TABLES
)

BACKWARD = "".join(f"DROP TRIGGER {table}_immutable ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION supervision_refuse_change();\n"
)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
