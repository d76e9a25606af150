"""One notification service for every capability: SMS (Aliyun's Dysmsapi), e-mail (Django's
mail backend) and an in-app inbox.

In: `services.notification_send(...)` from any domain, inside its transaction. Out: one
outbox row per (event, recipient, channel), delivered by a Celery task after commit, with
per-recipient rate limits and quiet hours; Aliyun's delivery receipts land back on the row.
It imports accounts (who receives) and core; it must never import the domains that call it.
"""
