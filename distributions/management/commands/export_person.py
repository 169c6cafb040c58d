"""Write everything a team holds about one address to a JSON file (as a member
who may analyse its data)."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from distributions.selectors.privacy import person_export
from distributions.services.privacy import unknown_address_message
from teams.access import Right
from teams.commands import add_team_argument, command_team_id


class Command(BaseCommand):
    help = (
        "Export one person's data (the contact page's Export this person's data): "
        "contacts in every list, invitations and emails, responses with answers, "
        "opt-out state."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--owner", required=True, help="the email of a member of the team"
        )
        add_team_argument(parser)
        parser.add_argument("--email", required=True, help="the person's address")
        parser.add_argument("--output", required=True, help="the JSON file to write")

    def handle(self, *args, owner, email, output, team, **options):
        user = get_user_model().objects.filter(email__iexact=owner.strip()).first()
        if user is None:
            raise CommandError(f"No user with email {owner}.")
        team_id = command_team_id(user, team, Right.ANALYSE)
        data = person_export(user=user, team_id=team_id, email=email)
        if data is None:
            raise CommandError(unknown_address_message(email.strip()))
        with open(output, "w", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False, indent=2)
        self.stdout.write(
            f"Wrote {len(data['contacts'])} contact(s), "
            f"{len(data['invitations'])} invitation(s) and "
            f"{len(data['responses'])} response(s) to {output}."
        )
