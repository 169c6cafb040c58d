from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who did what irreversible to whose data, and when (core.audit).

    Never the erased address itself: `subject` says what was acted on in words that
    identify no respondent ("a person", a survey's title), `counts` how much.
    """

    class Action(models.TextChoices):
        PERSON_ERASED = "person_erased", "Erased a person"
        SURVEY_STRIPPED = "survey_stripped", "Closed a survey and stripped identifiers"

    # Kept when the account goes: the entry outlives its actor (actor_name says who).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=254)
    # Whose data: the owner of the lists and surveys acted on.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=32, choices=Action)
    subject = models.CharField(max_length=300)
    # {"contacts": 2, "invitations": 3, "responses_deleted": 1, ...}
    counts = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.actor_name}: {self.get_action_display()} ({self.subject})"


class WorkerLease(models.Model):
    """A piece of work a live process holds: renewed every few seconds while held.

    How a worker shows the sweepers it is alive (core/leases.py). The key names
    the work ("send-claim:<uuid>"); data says what it covers (the claim's
    timestamp, a batch's delivery ids). A lease not renewed for LEASE_DEAD_AFTER
    seconds belongs to a dead process.
    """

    key = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=200)
    renewed_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        db_table = "core_worker_lease"

    def __str__(self):
        return f"{self.key} held by {self.holder}"
