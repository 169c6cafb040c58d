"""Generate personal links for a list and write the links CSV (mail merge ready)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import timezone

from accounts.selectors import owner_time_zone
from core.csv_export import write_csv
from directories.selectors import contact_list_by_name, contact_list_opt_out_counts
from distributions.expiry import ExpiryChoice, default_link_expiry, link_expiry_compute
from distributions.selectors.history import history_header, links_csv_source
from distributions.services.links import links_generate
from surveys.selectors import survey_for_command


class Command(BaseCommand):
    help = (
        "Generate a personal link for every contact of one of the survey owner's "
        "lists (Personal links → Generate Links) and write the links CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("--survey", type=int, required=True, help="the survey id")
        parser.add_argument(
            "--list", dest="list_name", required=True, help="the list's name"
        )
        parser.add_argument(
            "--expires",
            help="last day the links work, YYYY-MM-DD in the owner's time zone "
            "(default: 2 months from now)",
        )
        parser.add_argument(
            "--sample", type=int, help="a random sample of this many contacts"
        )
        parser.add_argument(
            "--include-opted-out",
            action="store_true",
            help="also give links to contacts who opted out (left out by default); "
            "the CSV flags them in its Unsubscribed column",
        )
        parser.add_argument("--output", required=True, help="the CSV file to write")

    def handle(
        self,
        *args,
        survey,
        list_name,
        expires,
        sample,
        include_opted_out,
        output,
        **options,
    ):
        found = survey_for_command(pk=survey)
        if found is None:
            raise CommandError(f"No survey with id {survey}.")
        owner = found.owner
        contact_list = contact_list_by_name(
            user=owner, team_id=found.team_id, name=list_name
        )
        if contact_list is None:
            raise CommandError(f"The survey's owner has no list named {list_name!r}.")
        zone = owner_time_zone(owner)
        try:
            if expires:
                try:
                    day = datetime.date.fromisoformat(expires)
                except ValueError:
                    raise CommandError(
                        f"--expires {expires!r} is not a date like 2026-12-31."
                    ) from None
                expires_at = link_expiry_compute(
                    choice=ExpiryChoice.CUSTOM, zone=zone, custom_date=day
                )
            else:
                expires_at = default_link_expiry(zone=zone)
            batch = links_generate(
                user=owner,
                survey=found,
                contact_list=contact_list,
                expires_at=expires_at,
                sample_size=sample,
                include_opted_out=include_opted_out,
                synchronous=True,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except (Http404, PermissionDenied):
            # Acting as the survey's owner, who must still send in its team
            # and whose list must be the survey's team's (teams.access).
            raise CommandError(
                f"{owner.get_username()} may not send this survey to {list_name!r}."
            ) from None
        with timezone.override(zone):
            count = write_csv(
                output,
                history_header(distribution=batch),
                links_csv_source(distribution=batch),
            )
        left_out = (
            0
            if include_opted_out
            else contact_list_opt_out_counts(user=owner, team_id=found.team_id).get(
                contact_list.pk, 0
            )
        )
        note = (
            f" {left_out} contacts who opted out were left out "
            "(--include-opted-out includes them)."
            if left_out
            else ""
        )
        self.stdout.write(
            f"Generated {count} links for {contact_list.name} (batch {batch.pk}); "
            f"wrote {output} (times in {zone.key}).{note}"
        )
