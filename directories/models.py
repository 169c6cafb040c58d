from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class ContactList(models.Model):
    """A list in a team's directory ("Segments & lists")."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_lists"
    )
    # The team whose list this is (teams.access); `owner` is the member who made it.
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    # Names of the embedded-data columns, in the order they were first imported.
    embedded_fields = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Also the index of the team's lists page and of a list found by name
            # (commands): team first, so `team = X` reads a range of it.
            models.UniqueConstraint(
                "team", Lower("name"), name="contactlist_unique_name_per_team"
            )
        ]

    def __str__(self):
        return self.name


class Contact(models.Model):
    # Indexed by contact_list_in_id_order below rather than on its own.
    contact_list = models.ForeignKey(
        ContactList, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    # Stored as given (trimmed); uniqueness within a list ignores case.
    email = models.CharField(max_length=254)
    external_reference = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=32, blank=True)
    embedded_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # A list's contacts in id order: the contacts page, and the keyset
            # batches that give a list personal links or invitations
            # (contact_list_id = X AND id > last ORDER BY id), which would
            # otherwise walk the primary key through every other list's contacts.
            models.Index(fields=["contact_list", "id"], name="contact_list_in_id_order")
        ]
        constraints = [
            # Also the ON CONFLICT target of the COPY-based import.
            models.UniqueConstraint(
                "contact_list", Lower("email"), name="contact_unique_email_per_list"
            )
        ]

    def __str__(self):
        return self.email


class ContactImport(models.Model):
    """One uploaded file on its way into a list: mapping, validation, result."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        QUEUED = "queued", "Queued"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class OnDuplicate(models.TextChoices):
        SKIP = "skip", "Skip contacts already in the list"
        UPDATE = "update", "Update contacts already in the list"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The list's team: an import is seen by its team's members only.
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    contact_list = models.ForeignKey(
        ContactList, on_delete=models.CASCADE, related_name="imports"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.UPLOADED)
    original_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500)
    size_bytes = models.BigIntegerField(default=0)
    encoding = models.CharField(max_length=32, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    # {column index: "first_name" | "last_name" | "email" | "external_reference" |
    #  "language" | "embedded" | "ignore"}
    mapping = models.JSONField(default=dict, blank=True)
    on_duplicate = models.CharField(
        max_length=8, choices=OnDuplicate, default=OnDuplicate.SKIP
    )
    skip_invalid = models.BooleanField(default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # [{"line": 12, "column": "Email", "reason": "..."}, ...]
    rejections = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was queued, then when a worker claimed it (queued → importing); an
    # old claim whose list is not locked any more is an import that died, an old
    # queued one lost its task (see contact_imports_sweep).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import of {self.original_name} into {self.contact_list_id}"


class Suppression(models.Model):
    """An address no list of this team may be emailed at again.

    A person's erasure keeps their opt-out as `email_hash` alone (the address
    blanked): an HMAC of the lower-cased address (directories.suppression_hash),
    which every suppression check matches as well as the address.
    """

    class Reason(models.TextChoices):
        OPTED_OUT = "opted_out", "Opted out"
        BOUNCED = "bounced", "Hard bounce"
        MANUAL = "manual", "Added by hand"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suppressions"
    )
    # The team whose suppression list this is: no list of the team emails it.
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    # Blank once the person was erased: email_hash alone stands for them.
    email = models.CharField(max_length=254, blank=True)
    email_hash = models.CharField(max_length=64, blank=True, default="")
    reason = models.CharField(max_length=16, choices=Reason, default=Reason.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Also the index of every suppression check by address (dispatch's
            # join on lower(email), the opted-out counts): one team's range.
            models.UniqueConstraint(
                "team",
                Lower("email"),
                condition=~Q(email=""),
                name="suppression_unique_email_per_team",
            ),
            # Also the index of the hashed match (suppression checks, dispatch).
            models.UniqueConstraint(
                "team",
                "email_hash",
                condition=~Q(email_hash=""),
                name="suppression_unique_hash_per_team",
            ),
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(email_hash=""),
                name="suppression_has_email_or_hash",
            ),
        ]

    def __str__(self):
        return self.email or "Erased person"
