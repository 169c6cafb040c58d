"""Write a list's contacts to a CSV file, as the Export list button does."""

from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_record
from core.csv_export import write_csv
from core.models import AuditEntry
from directories.management.acting import acting_member, add_acting_arguments
from directories.selectors import (
    contact_export_header,
    contact_export_rows,
    contact_list_by_name,
)
from teams.access import Right


class Command(BaseCommand):
    help = (
        "Export a team's list to CSV (sample template columns plus extra fields), "
        "as a member allowed to download it."
    )

    def add_arguments(self, parser):
        add_acting_arguments(parser)
        parser.add_argument("--list", required=True, dest="list_name")
        parser.add_argument("--output", required=True)

    def handle(self, *args, **options):
        user, team = acting_member(options, Right.ANALYSE)
        contact_list = contact_list_by_name(
            user=user, team_id=team.pk, name=options["list_name"]
        )
        if contact_list is None:
            raise CommandError(f"No list named {options['list_name']}.")
        count = write_csv(
            options["output"],
            contact_export_header(contact_list=contact_list),
            contact_export_rows(contact_list=contact_list),
        )
        audit_record(
            actor=user,
            team_id=team.pk,
            action=AuditEntry.Action.CONTACTS_EXPORTED,
            subject=f"list “{contact_list.name}”",
            counts={"contacts": count},
            via="export_contacts",
        )
        self.stdout.write(f"exported {count} contacts to {options['output']}")
