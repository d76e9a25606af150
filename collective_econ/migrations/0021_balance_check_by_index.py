"""The commit-time balance check looks up each noted journal transaction's postings by
index, whatever the planner believes about the ledger's size.

0011's set-based check joins the noted transaction ids to `collective_econ_posting`. When
the table's statistics are stale (a ledger that grew fast since the last ANALYZE, as
during a settlement run), the planner chose a merge or hash join over the whole posting
table, so every COMMIT cost time proportional to the ledger rather than to what the
transaction wrote, and settlement slowed as the books grew (423 ms per 2,000-line batch at
100,000 postings, against 54 ms this way). The check only ever needs a handful of postings
per noted transaction, so the function plans with sequential scans and merge/hash joins
ruled out: a nested loop over the noted ids with an index scan on `transaction_id`.
"""

from django.db import migrations

FORWARD = """
ALTER FUNCTION collective_econ_check_noted()
    SET enable_seqscan = off
    SET enable_mergejoin = off
    SET enable_hashjoin = off;
"""

BACKWARD = "ALTER FUNCTION collective_econ_check_noted() RESET ALL;"


class Migration(migrations.Migration):
    dependencies = [("collective_econ", "0020_shares_distribution_payouts")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
