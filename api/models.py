from django.conf import settings
from django.db import models


class ApiKey(models.Model):
    """An owner's key for the REST API, kept only as a hash of its secret.

    The key shown once is `cvk_<prefix>_<secret>`: the prefix finds the row by a
    unique index and is safe to show again; the secret is compared by its SHA-256
    (a key is 256 random bits, so a fast hash is enough: nobody can guess one).
    """

    class Access(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    # The team the key acts in, with its owner's role there (teams.access).
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    access = models.CharField(max_length=8, choices=Access, default=Access.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    @property
    def writable(self) -> bool:
        return self.access == self.Access.WRITE


class WebhookEvent(models.TextChoices):
    RESPONSE_STARTED = "response.started", "Response started"
    RESPONSE_FINISHED = "response.finished", "Response finished"
    DELIVERY_FAILED = "delivery.failed", "Email delivery failed"
    CONTACT_UNSUBSCRIBED = "contact.unsubscribed", "Contact unsubscribed"
    IMPORT_FINISHED = "import.finished", "Contact import finished"
    LINKS_BATCH_READY = "links_batch.ready", "Personal links batch ready"


class WebhookEndpoint(models.Model):
    """Where an owner wants events POSTed, signed per Standard Webhooks."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    # The team whose events are POSTed.
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=1000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    # `whsec_` + base64 of the HMAC key: kept in clear, since signing needs it.
    secret = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    # Set at the first failed attempt after a success; a day of it disables.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.url


class WebhookMessage(models.Model):
    """One event for one endpoint, until delivered or given up (a day of retries)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="messages"
    )
    event_type = models.CharField(max_length=40, choices=WebhookEvent)
    # What the event is about ("response:12"): one message per endpoint and subject.
    subject = models.CharField(max_length=100)
    msg_id = models.CharField(max_length=64, unique=True)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Events are found by polling overlapping windows: this makes each
            # found once (INSERT ... ON CONFLICT DO NOTHING via ignore_conflicts).
            models.UniqueConstraint(
                "endpoint", "event_type", "subject", name="webhook_message_once"
            )
        ]
        indexes = [
            # The sender's claim: pending messages that are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_message_due",
            )
        ]

    def __str__(self):
        return self.msg_id


class WebhookAttempt(models.Model):
    """One POST of a message: what the endpoint answered (the endpoint's page)."""

    message = models.ForeignKey(
        WebhookMessage, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self):
        return f"{self.message_id} at {self.attempted_at}"


class WebhookCursor(models.Model):
    """How far the event poll has looked, per event type."""

    event_type = models.CharField(max_length=40, unique=True)
    checked_until = models.DateTimeField()

    def __str__(self):
        return self.event_type


class IdempotentRequest(models.Model):
    """What a POST with an Idempotency-Key asked for: a retry must ask the same.

    `token` is the created distribution's compose_token (the owner's id and the key,
    hashed); `request_hash` is SHA-256 of the method, path and canonical JSON body.
    A row is written in the transaction that creates, so a refused request leaves
    none and may be retried with a corrected body under the same key.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="idempotent_requests",
    )
    token = models.CharField(max_length=64, unique=True)
    request_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.token
