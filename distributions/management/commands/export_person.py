"""Write everything an owner's account holds about one address to a JSON file."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from distributions.selectors.privacy import person_export
from distributions.services.privacy import unknown_address_message


class Command(BaseCommand):
    help = (
        "Export one person's data (the contact page's Export this person's data): "
        "contacts in every list, invitations and emails, responses with answers, "
        "opt-out state."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="the owner's email")
        parser.add_argument("--email", required=True, help="the person's address")
        parser.add_argument("--output", required=True, help="the JSON file to write")

    def handle(self, *args, owner, email, output, **options):
        user = get_user_model().objects.filter(email__iexact=owner.strip()).first()
        if user is None:
            raise CommandError(f"No user with email {owner}.")
        data = person_export(user=user, email=email)
        if data is None:
            raise CommandError(unknown_address_message(email.strip()))
        with open(output, "w", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False, indent=2)
        self.stdout.write(
            f"Wrote {len(data['contacts'])} contact(s), "
            f"{len(data['invitations'])} invitation(s) and "
            f"{len(data['responses'])} response(s) to {output}."
        )
