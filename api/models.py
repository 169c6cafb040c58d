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
