from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who did what to a team's data or members, and when (core.audit): the team's
    audit trail, which its owners read and download.

    Never the content of answers nor an erased address: `subject` says what was
    acted on in words that identify no respondent ("a person", a survey's title,
    a distribution's name, a member's address), `counts` how much.
    """

    class Action(models.TextChoices):
        PERSON_ERASED = "person_erased", "Erased a person"
        SURVEY_STRIPPED = "survey_stripped", "Closed a survey and stripped identifiers"
        DISTRIBUTION_SENT = "distribution_sent", "Sent or scheduled a distribution"
        LINKS_GENERATED = "links_generated", "Generated links"
        LINKS_DOWNLOADED = "links_downloaded", "Downloaded links"
        HISTORY_DOWNLOADED = "history_downloaded", "Downloaded distribution history"
        RESPONSES_EXPORTED = "responses_exported", "Exported responses"
        CONTACTS_EXPORTED = "contacts_exported", "Downloaded a contact list"
        CONTACTS_IMPORTED = "contacts_imported", "Imported contacts"
        TEAM_CREATED = "team_created", "Created the team"
        MEMBER_INVITED = "member_invited", "Invited a member"
        INVITATION_REVOKED = "invitation_revoked", "Revoked an invitation"
        MEMBER_JOINED = "member_joined", "Joined the team"
        ROLE_CHANGED = "role_changed", "Changed a member's role"
        MEMBER_REMOVED = "member_removed", "Removed a member"

    # Kept when the account goes: the entry outlives its actor (actor_name says who).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=254)
    # Whose data, before teams: the owner of the lists and surveys acted on.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The team whose data was acted on; kept when the team goes, like the actor.
    team = models.ForeignKey(
        "teams.Team",
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
        # The team's trail page and its CSV: newest first, one team at a time.
        indexes = [
            models.Index(fields=["team", "-created_at"], name="core_audit_team_newest")
        ]

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
