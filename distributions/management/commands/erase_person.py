"""Erase one address from everything a team holds (as one of its owners)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from distributions.services.privacy import person_erase
from teams.access import Right
from teams.commands import add_team_argument, command_team_id


class Command(BaseCommand):
    help = (
        "Erase one person everywhere (the contact page's Erase this person "
        "everywhere): contacts deleted from every list, invitations and emails "
        "blanked (counts kept), responses deleted or, with --keep-responses, kept "
        "without identity; an opt-out stays as a one-way hash. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--owner", required=True, help="the email of an owner of the team"
        )
        add_team_argument(parser)
        parser.add_argument("--email", required=True, help="the person's address")
        parser.add_argument(
            "--keep-responses",
            action="store_true",
            help="keep their responses without identity instead of deleting them",
        )
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation"
        )

    def handle(self, *args, owner, email, keep_responses, yes, team, **options):
        user = get_user_model().objects.filter(email__iexact=owner.strip()).first()
        if user is None:
            raise CommandError(f"No user with email {owner}.")
        team_id = command_team_id(user, team, Right.MANAGE)
        if not yes:
            what = "kept without identity" if keep_responses else "deleted"
            answer = input(
                f"Erase {email.strip()} from everything {owner} holds (responses "
                f"{what})? This cannot be undone. Type yes: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Not confirmed; nothing was changed.")
        try:
            counts = person_erase(
                actor=None,
                owner=user,
                team_id=team_id,
                email=email,
                keep_responses=keep_responses,
                via=f"manage.py erase_person as {user.get_username()}",
            )
        except ValidationError as error:
            raise CommandError(error.messages[0]) from error
        self.stdout.write(
            "Erased: " + ", ".join(f"{key} {value}" for key, value in counts.items())
        )
