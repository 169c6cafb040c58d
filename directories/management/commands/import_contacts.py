"""Import a CSV/TSV file of contacts into a list, as the Upload a file screen does."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directories.management.acting import acting_member, add_acting_arguments
from directories.models import ContactImport
from directories.reader import ImportRefused
from directories.selectors import contact_list_by_name
from directories.services import DirectoryError
from directories.services.imports import (
    contact_import_configure,
    contact_import_create,
    contact_import_run,
)
from directories.services.lists import contact_list_create
from teams.access import Right


class Command(BaseCommand):
    # The system checks load every URLconf and view module (≈0.3 s of a 10k
    # import); `manage.py check` and every server start run them.
    requires_system_checks = []
    help = (
        "Import contacts into a team's list (created if needed), as a member "
        "allowed to edit its lists. Prints "
        "'added N, updated N, duplicates N, rejected N' and the rejected rows; exits 1 "
        "when nothing could be imported or rows were rejected without --skip-invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        add_acting_arguments(parser)
        parser.add_argument("--list", required=True, dest="list_name")
        parser.add_argument("--skip-invalid", action="store_true")
        parser.add_argument("--update-existing", action="store_true")
        parser.add_argument("--encoding", default="")

    def handle(self, *args, **options):
        owner, team = acting_member(options, Right.EDIT)
        if not Path(options["file"]).is_file():
            raise CommandError(f"No such file: {options['file']}")
        name = options["list_name"].strip()
        contact_list = contact_list_by_name(user=owner, team_id=team.pk, name=name)
        if contact_list is None:
            try:
                contact_list = contact_list_create(owner=owner, team=team, name=name)
            except DirectoryError as exc:
                raise CommandError(exc.message) from exc
        try:
            contact_import = contact_import_create(
                owner=owner, contact_list=contact_list, path=options["file"]
            )
            contact_import_configure(
                contact_import=contact_import,
                encoding=options["encoding"] or contact_import.encoding,
                mapping=None,
                on_duplicate=(
                    ContactImport.OnDuplicate.UPDATE
                    if options["update_existing"]
                    else ContactImport.OnDuplicate.SKIP
                ),
                skip_invalid=options["skip_invalid"],
            )
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {options['file']}") from exc
        except ImportRefused as exc:
            raise CommandError(exc.message) from exc
        ContactImport.objects.filter(pk=contact_import.pk).update(
            status=ContactImport.Status.QUEUED
        )
        outcome = contact_import_run(
            contact_import_id=contact_import.pk, progress=False
        )
        self.stdout.write(outcome.summary)
        for rejection in outcome.rejections:
            column = f", column {rejection['column']}" if rejection["column"] else ""
            self.stdout.write(
                f"line {rejection['line']}{column}: {rejection['reason']}"
            )
        if outcome.refused:
            self.stderr.write(outcome.refused)
            raise SystemExit(1)
