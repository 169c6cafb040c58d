"""`manage.py make_contacts ROWS OUT.csv`: a sample contact file for imports."""

from django.core.management.base import BaseCommand

from core.contact_samples import EXTRA_COLUMNS, write_contacts


class Command(BaseCommand):
    help = (
        "Write a contact CSV of any size for imports, tests and benchmarks; the same "
        "arguments always give the same file."
    )

    def add_arguments(self, parser):
        parser.add_argument("rows", type=int, help="how many contacts")
        parser.add_argument("out", help="the CSV file to write")
        parser.add_argument(
            "--encoding", default="utf-8", help="e.g. utf-8-sig, cp1252"
        )
        parser.add_argument("--delimiter", default=",", help="e.g. ';' or a tab")
        parser.add_argument(
            "--extra",
            type=int,
            default=2,
            choices=range(len(EXTRA_COLUMNS) + 1),
            metavar=f"0-{len(EXTRA_COLUMNS)}",
            help="embedded-data columns after the standard ones (default 2)",
        )
        parser.add_argument(
            "--dirty",
            action="store_true",
            help="about 1 row in 50 wrong as spreadsheets are (bad or duplicate "
            "emails, stray spaces, line breaks, formulas, empty lines)",
        )

    def handle(self, *args, rows, out, encoding, delimiter, extra, dirty, **options):
        write_contacts(
            out,
            rows,
            encoding=encoding,
            delimiter=delimiter,
            extra=extra,
            dirty=dirty,
        )
        if options["verbosity"] > 1:
            self.stdout.write(f"wrote {rows} contacts to {out}")
