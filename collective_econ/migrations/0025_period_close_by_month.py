"""Period closes by calendar month, snapshots per journal kind, and the database keeping
closes, snapshots and account ownership fixed.

Closes made before (checkpoints by posting id, never scheduled) are dropped first: a
snapshot is derived from postings, so nothing is lost, and their meaning does not carry
over to a close by date. Then, as for postings (0002):

- UPDATE and DELETE of a period close or a balance snapshot are refused;
- an account's kind and owner columns never change (its postings would move to another
  owner's books); other columns stay editable.
"""

import django.utils.timezone
from django.db import migrations, models


DROP_OLD_CLOSES = """
DELETE FROM collective_econ_balancesnapshot;
DELETE FROM collective_econ_periodclose;
"""

TRIGGERS = r"""
CREATE TRIGGER collective_econ_periodclose_immutable
    BEFORE UPDATE OR DELETE ON collective_econ_periodclose
    FOR EACH ROW EXECUTE FUNCTION collective_econ_refuse_change();

CREATE TRIGGER collective_econ_balancesnapshot_immutable
    BEFORE UPDATE OR DELETE ON collective_econ_balancesnapshot
    FOR EACH ROW EXECUTE FUNCTION collective_econ_refuse_change();

CREATE FUNCTION collective_econ_refuse_account_owner_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'changing the kind or owner of ledger account % is refused: open a new account',
        OLD.id
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER collective_econ_account_owner_fixed
    BEFORE UPDATE OF kind, household_id, village_id, shop_id, investor_id
    ON collective_econ_account
    FOR EACH ROW
    WHEN (OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.household_id IS DISTINCT FROM NEW.household_id
          OR OLD.village_id IS DISTINCT FROM NEW.village_id
          OR OLD.shop_id IS DISTINCT FROM NEW.shop_id
          OR OLD.investor_id IS DISTINCT FROM NEW.investor_id)
    EXECUTE FUNCTION collective_econ_refuse_account_owner_change();
"""

UNDO_TRIGGERS = r"""
DROP TRIGGER collective_econ_account_owner_fixed ON collective_econ_account;
DROP FUNCTION collective_econ_refuse_account_owner_change();
DROP TRIGGER collective_econ_balancesnapshot_immutable ON collective_econ_balancesnapshot;
DROP TRIGGER collective_econ_periodclose_immutable ON collective_econ_periodclose;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('collective_econ', '0024_payout_last_sent_at'),
    ]

    operations = [
        migrations.RunSQL(DROP_OLD_CLOSES, migrations.RunSQL.noop),
        migrations.AlterModelOptions(
            name='balancesnapshot',
            options={'ordering': ['period_close_id', 'account_id', 'journal_kind']},
        ),
        migrations.AlterModelOptions(
            name='periodclose',
            options={'ordering': ['-period_end']},
        ),
        migrations.RemoveConstraint(
            model_name='balancesnapshot',
            name='snapshot_once_per_account',
        ),
        migrations.AddField(
            model_name='balancesnapshot',
            name='journal_kind',
            field=models.CharField(choices=[('SETTLEMENT', 'Settlement of a sale'), ('CLAWBACK', 'Clawback after a refund'), ('MANUAL', 'Manual entry'), ('REVERSAL', 'Reversal'), ('PAYOUT', 'Payout to a household or member'), ('DISTRIBUTION', 'Distribution of collective income'), ('COUNTER_SALE', 'Red Supermarket counter sale'), ('TILL_CLOSE', 'Till shift closed'), ('AGENCY_SERVICE', 'Agency service (代办)')], default='MANUAL', max_length=24),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='periodclose',
            name='period_end',
            field=models.DateTimeField(default=django.utils.timezone.now, unique=True),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='periodclose',
            name='through_posting_id',
            field=models.BigIntegerField(),
        ),
        migrations.AddIndex(
            model_name='balancesnapshot',
            index=models.Index(fields=['account', 'period_close'], name='collective__account_932a78_idx'),
        ),
        migrations.AddConstraint(
            model_name='balancesnapshot',
            constraint=models.UniqueConstraint(fields=('period_close', 'account', 'journal_kind', 'currency'), name='snapshot_once_per_account_kind'),
        ),
        migrations.RunSQL(TRIGGERS, UNDO_TRIGGERS),
    ]
