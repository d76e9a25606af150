"""Each investor of the share register gets its own INVESTOR ledger account.

Distributions filed before this posted every investor's part to one control account per
village. Postings are never edited, so the parts are moved by a new balanced journal
transaction per control account (debit the control account, credit each investor's own
account with what the filed distributions allocated to it); anything else on the control
account stays there, visible. The control account row itself is kept for its history.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Sum


def move_investor_parts_to_their_own_accounts(apps, schema_editor):
    Account = apps.get_model("collective_econ", "Account")
    DistributionAllocation = apps.get_model("collective_econ", "DistributionAllocation")
    JournalTransaction = apps.get_model("collective_econ", "JournalTransaction")
    Posting = apps.get_model("collective_econ", "Posting")
    controls = Account.objects.filter(kind="INVESTOR", village__isnull=False).order_by("pk")
    for control in controls:
        parts = (
            DistributionAllocation.objects.filter(
                kind="INVESTOR",
                distribution__village_id=control.village_id,
                distribution__journal_transaction__isnull=False,
                investor__isnull=False,
            )
            .values("investor_id")
            .annotate(total=Sum("amount"))
            .order_by("investor_id")
        )
        legs = [(row["investor_id"], row["total"]) for row in parts if row["total"]]
        key = f"investor-accounts:{control.pk}"
        if not legs or JournalTransaction.objects.filter(idempotency_key=key).exists():
            continue
        entry = JournalTransaction.objects.create(
            kind="DISTRIBUTION",
            idempotency_key=key,
            memo="Investors' distribution parts moved to their own accounts",
        )
        postings = [
            Posting(
                transaction=entry,
                account=control,
                amount=sum(total for _, total in legs),
                currency="CNY",
            )
        ]
        for investor_id, total in legs:
            own, _ = Account.objects.get_or_create(kind="INVESTOR", investor_id=investor_id)
            postings.append(Posting(transaction=entry, account=own, amount=-total, currency="CNY"))
        Posting.objects.bulk_create(postings)


class Migration(migrations.Migration):

    dependencies = [
        ('collective_econ', '0021_balance_check_by_index'),
        ('divisions', '0003_seed_provinces_and_demo_cities'),
        ('organisations', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='account',
            name='account_once_per_platform_kind',
        ),
        migrations.RemoveConstraint(
            model_name='account',
            name='account_owner_matches_kind',
        ),
        migrations.AddField(
            model_name='account',
            name='investor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='ledger_accounts', to='collective_econ.investor'),
        ),
        migrations.AlterField(
            model_name='account',
            name='kind',
            field=models.CharField(choices=[('HOUSEHOLD', 'Household payable'), ('HOUSEHOLD_RECEIVABLE', 'Household receivable'), ('VILLAGE_COLLECTIVE', 'Village collective income'), ('SHOP', 'Shop'), ('PLATFORM_FEES', 'Platform fees'), ('LOGISTICS_PAYABLE', 'Logistics payable'), ('ALIPAY_CLEARING', 'Alipay clearing'), ('CASH_TILL', 'Cash till'), ('RESERVE_FUND', 'Reserve fund (公积公益金)'), ('WELFARE_FUND', 'Welfare fund (福利费)'), ('INVESTOR', 'Investor'), ('MEMBER', 'Member'), ('AGENCY_PROVIDER_PAYABLE', 'Agency providers payable'), ('WITHDRAWAL_RECEIVABLE', 'Cash withdrawals receivable'), ('TILL_VARIANCE', 'Till over and short')], max_length=24),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ('HOUSEHOLD', 'HOUSEHOLD_RECEIVABLE', 'MEMBER')), ('household__isnull', False), ('village__isnull', True), ('shop__isnull', True), ('investor__isnull', True)), models.Q(('kind__in', ('VILLAGE_COLLECTIVE', 'CASH_TILL', 'RESERVE_FUND', 'WELFARE_FUND', 'TILL_VARIANCE')), ('household__isnull', True), ('village__isnull', False), ('shop__isnull', True), ('investor__isnull', True)), models.Q(('kind__in', ('SHOP',)), ('household__isnull', True), ('village__isnull', True), ('shop__isnull', False), ('investor__isnull', True)), models.Q(('kind__in', ('INVESTOR',)), ('household__isnull', True), ('village__isnull', True), ('shop__isnull', True), ('investor__isnull', False)), models.Q(('kind', 'INVESTOR'), ('household__isnull', True), ('village__isnull', False), ('shop__isnull', True), ('investor__isnull', True)), models.Q(('kind__in', ('PLATFORM_FEES', 'LOGISTICS_PAYABLE', 'ALIPAY_CLEARING', 'AGENCY_PROVIDER_PAYABLE', 'WITHDRAWAL_RECEIVABLE')), ('household__isnull', True), ('village__isnull', True), ('shop__isnull', True), ('investor__isnull', True)), _connector='OR'), name='account_owner_matches_kind'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('investor__isnull', False)), fields=('kind', 'investor'), name='account_once_per_kind_investor'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('household__isnull', True), ('investor__isnull', True), ('shop__isnull', True), ('village__isnull', True)), fields=('kind',), name='account_once_per_platform_kind'),
        ),
        migrations.RunPython(move_investor_parts_to_their_own_accounts, migrations.RunPython.noop),
    ]
