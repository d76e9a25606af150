"""The outbox (one row per message to send, on one channel, to one recipient) and the
in-app inbox.

`OutboxMessage` is unique per (event_key, recipient_key, channel): whoever asks twice for
the same notice — a retried task, a replayed callback, two workers at once — finds the row
there and nothing is sent twice. Its status is the whole story of the message: queued,
deferred to the end of quiet hours, throttled (the recipient's rate limit was reached: it
waits for the window to pass and is tried again), sent (with the provider's id), failed,
and for SMS the delivery receipt Aliyun reports later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Channel(models.TextChoices):
    SMS = "SMS", "SMS"
    EMAIL = "EMAIL", "E-mail"
    INBOX = "INBOX", "In-app inbox"


class OutboxStatus(models.TextChoices):
    PENDING = "PENDING", "Queued"
    DEFERRED = "DEFERRED", "Deferred to the end of quiet hours"
    SENT = "SENT", "Sent"
    FAILED = "FAILED", "Failed"
    # Not sent yet: the number's limit (ours or the provider's) was reached; `scheduled_for`
    # is when the window lets it through, and the delivery task or the sweep tries again.
    THROTTLED = "THROTTLED", "Waiting: recipient's rate limit reached, retried after it"


# Statuses still waiting for their delivery task.
WAITING_STATUSES = (OutboxStatus.PENDING, OutboxStatus.DEFERRED, OutboxStatus.THROTTLED)


class DeliveryStatus(models.TextChoices):
    """What the SMS provider reports after accepting a message (Aliyun's SendStatus)."""

    UNKNOWN = "", "Not reported"
    WAITING = "WAITING", "Waiting for the receipt"
    FAILED = "FAILED", "Not delivered"
    DELIVERED = "DELIVERED", "Delivered"


class OutboxMessage(models.Model):
    event_key = models.CharField(max_length=200)
    # "user:<pk>", "phone:<number>" or "email:<address>": who, for the uniqueness rule.
    recipient_key = models.CharField(max_length=280)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    # Mainland mobile, 11 digits, for SMS.
    phone = models.CharField(max_length=11, blank=True)
    email = models.CharField(max_length=254, blank=True)
    template = models.CharField(max_length=64)
    # The template's parameters, secrets redacted (see Template.secret_params).
    context = models.JSONField(default=dict, blank=True)
    urgent = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    # Not to be sent before (quiet hours).
    scheduled_for = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    # The provider's id for the message (Aliyun's BizId).
    provider_id = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=512, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, blank=True, default=DeliveryStatus.UNKNOWN
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "scheduled_for"]),
            models.Index(fields=["channel", "phone", "sent_at"]),
            models.Index(fields=["provider_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient_key", "channel"],
                name="outbox_once_per_event_recipient_channel",
            ),
            models.CheckConstraint(
                name="outbox_sms_has_phone",
                condition=~Q(channel="SMS") | Q(phone__regex=r"^1[3-9][0-9]{9}$"),
            ),
            models.CheckConstraint(
                name="outbox_email_has_address", condition=~Q(channel="EMAIL") | ~Q(email="")
            ),
            models.CheckConstraint(
                name="outbox_inbox_has_user",
                condition=~Q(channel="INBOX") | Q(recipient__isnull=False),
            ),
            models.CheckConstraint(
                name="outbox_sent_has_time", condition=~Q(status="SENT") | Q(sent_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.template} → {self.recipient_key} ({self.status})"


class InboxMessage(models.Model):
    """A notice in the user's in-app inbox; read once `read_at` is set."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_messages"
    )
    outbox = models.OneToOneField(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbox"
    )
    template = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField()
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
