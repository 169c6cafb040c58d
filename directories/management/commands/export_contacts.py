"""Write a list's contacts to a CSV file, as the Export list button does."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.csv_export import write_csv
from directories.models import ContactList
from directories.selectors import contact_export_header, contact_export_rows


class Command(BaseCommand):
    help = "Export an owner's list to CSV (sample template columns plus extra fields)."

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True)
        parser.add_argument("--list", required=True, dest="list_name")
        parser.add_argument("--output", required=True)

    def handle(self, *args, **options):
        owner = get_user_model().objects.filter(email__iexact=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user with email {options['owner']}.")
        contact_list = ContactList.objects.filter(
            owner=owner, name__iexact=options["list_name"].strip()
        ).first()
        if contact_list is None:
            raise CommandError(f"No list named {options['list_name']}.")
        count = write_csv(
            options["output"],
            contact_export_header(contact_list=contact_list),
            contact_export_rows(contact_list=contact_list),
        )
        self.stdout.write(f"exported {count} contacts to {options['output']}")
