"""Write a distribution's history CSV, the same file as Download history."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.selectors import owner_time_zone
from core.csv_export import write_csv
from distributions.models import Distribution
from distributions.selectors.history import history_header, history_source


class Command(BaseCommand):
    help = (
        "Write the history CSV of a distribution (Download history), with dates in "
        "the owner's time zone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--distribution", type=int, required=True, help="its id")
        parser.add_argument("--output", required=True, help="the CSV file to write")

    def handle(self, *args, distribution, output, **options):
        found = (
            Distribution.objects.select_related("owner__profile", "contact_list")
            .filter(pk=distribution)
            .first()
        )
        if found is None:
            raise CommandError(f"No distribution with id {distribution}.")
        zone = owner_time_zone(found.owner)
        with timezone.override(zone):
            count = write_csv(
                output,
                history_header(distribution=found),
                history_source(distribution=found),
            )
        self.stdout.write(f"Wrote {count} rows to {output} (times in {zone.key}).")
