"""Personal-data requests (查询公函) and the tamper-evident audit log.

What comes in: a requester's data request with its letter, a township officer's decision,
every read of unmasked household personal data (`marketplace.organisations.privacy`) and
every privileged write (`audit_record`, called by the services that make them). What goes
out: approved requests, which `marketplace.accounts.permissions` reads straight from the
requester's rows (`user.data_access_requests`) to unmask their scope until they expire,
and an append-only hash chain of `AuditEntry` rows that `ruralmart audit_verify` checks.

Never imports organisations, collective_econ or the API: they call in here, so this
package names their rows by string foreign keys and ids only.
"""
