"""core's one table: WorkerLease, how a worker shows it is alive (core/leases.py)."""

from django.db import models


class WorkerLease(models.Model):
    """A piece of work a live process holds: renewed every few seconds while held.

    The key names the work ("send-claim:<uuid>"); data says what it covers (the
    claim's timestamp, a batch's delivery ids). A lease not renewed for
    LEASE_DEAD_AFTER seconds belongs to a dead process (core/leases.py).
    """

    key = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=200)
    renewed_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        db_table = "core_worker_lease"

    def __str__(self):
        return f"{self.key} held by {self.holder}"
