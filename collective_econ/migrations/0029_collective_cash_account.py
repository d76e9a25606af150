"""COLLECTIVE_CASH: the village collective's own cash (its safe, 库存现金), one account per
village. Till floats are lent from it from now on instead of from the collective's income
account. Nothing is moved: floats already out stay credited to VILLAGE_COLLECTIVE and go
back there when their shift closes (the close reads where each float came from).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('collective_econ', '0028_payment_received_and_refunded_kinds'),
        ('divisions', '0003_seed_provinces_and_demo_cities'),
        ('organisations', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='account',
            name='account_owner_matches_kind',
        ),
        migrations.AlterField(
            model_name='account',
            name='kind',
            field=models.CharField(choices=[('HOUSEHOLD', 'Household payable'), ('HOUSEHOLD_RECEIVABLE', 'Household receivable'), ('VILLAGE_COLLECTIVE', 'Village collective income'), ('SHOP', 'Shop'), ('PLATFORM_FEES', 'Platform fees'), ('LOGISTICS_PAYABLE', 'Logistics payable'), ('ALIPAY_CLEARING', 'Alipay clearing'), ('CASH_TILL', 'Cash till'), ('RESERVE_FUND', 'Reserve fund (公积公益金)'), ('WELFARE_FUND', 'Welfare fund (福利费)'), ('INVESTOR', 'Investor'), ('MEMBER', 'Member'), ('AGENCY_PROVIDER_PAYABLE', 'Agency providers payable'), ('WITHDRAWAL_RECEIVABLE', 'Cash withdrawals receivable'), ('TILL_VARIANCE', 'Till over and short'), ('COLLECTIVE_CASH', 'Collective cash (库存现金)')], max_length=24),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ('HOUSEHOLD', 'HOUSEHOLD_RECEIVABLE', 'MEMBER')), ('household__isnull', False), ('village__isnull', True), ('shop__isnull', True), ('investor__isnull', True)), models.Q(('kind__in', ('VILLAGE_COLLECTIVE', 'CASH_TILL', 'RESERVE_FUND', 'WELFARE_FUND', 'TILL_VARIANCE', 'COLLECTIVE_CASH')), ('household__isnull', True), ('village__isnull', False), ('shop__isnull', True), ('investor__isnull', True)), models.Q(('kind__in', ('SHOP',)), ('household__isnull', True), ('village__isnull', True), ('shop__isnull', False), ('investor__isnull', True)), models.Q(('kind__in', ('INVESTOR',)), ('household__isnull', True), ('village__isnull', True), ('shop__isnull', True), ('investor__isnull', False)), models.Q(('kind', 'INVESTOR'), ('household__isnull', True), ('village__isnull', False), ('shop__isnull', True), ('investor__isnull', True)), models.Q(('kind__in', ('PLATFORM_FEES', 'LOGISTICS_PAYABLE', 'ALIPAY_CLEARING', 'AGENCY_PROVIDER_PAYABLE', 'WITHDRAWAL_RECEIVABLE')), ('household__isnull', True), ('village__isnull', True), ('shop__isnull', True), ('investor__isnull', True)), _connector='OR'), name='account_owner_matches_kind'),
        ),
    ]
