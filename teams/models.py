"""Teams: who shares which surveys, lists and messages, and with what role.

Every survey, contact list, message, distribution and suppression list belongs to a
team; a user sees a team's data only through a Membership (teams.access).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    # Ordered from most to least: teams.access.ROLE_RIGHTS says what each may do.
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    ANALYST = "analyst", "Analyst"
    VIEWER = "viewer", "Viewer"


class Team(models.Model):
    name = models.CharField(max_length=100)
    # The team every user starts with (teams.services.personal_team): their data
    # before teams existed moved here. Null for teams made on purpose.
    personal_for = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="personal_team",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """One user in one team, with one role."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "user_id"]
        constraints = [
            # Also the index of every permission check: one user's memberships are
            # read at most once a request (teams.access), by (user) then (team).
            models.UniqueConstraint(
                "user", "team", name="teams_membership_one_per_user_and_team"
            ),
        ]
        indexes = [
            # The members page and "is anyone still an owner": by team.
            models.Index(fields=["team", "role"], name="teams_membership_team_role"),
        ]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.role})"


class Invitation(models.Model):
    """An email's one-time link to join a team, kept as the SHA-256 of its token."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role)
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address and team: inviting again replaces it.
            models.UniqueConstraint(
                "team",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="teams_invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="teams_invitation_accepted_or_revoked",
            ),
        ]

    def __str__(self):
        return f"{self.email} to {self.team} ({self.role})"

    @property
    def state(self) -> str:
        """open, used, revoked or expired: only an open link can be accepted."""
        if self.accepted_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"
