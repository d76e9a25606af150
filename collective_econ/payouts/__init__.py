"""Payouts to households and members: by Alipay transfer (`alipay_transfer`, the adapter)
or in cash at the Red Supermarket. `services` owns the rules: how much is due, idempotency
by request id and `out_biz_no`, one PAYOUT journal transaction per successful payout."""
