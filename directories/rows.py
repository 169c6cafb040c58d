"""One record of a contact file turned into a contact row, or the reasons it cannot be.

Runs once per row of files with a million rows (directories.importing).
"""

from operator import itemgetter

from django.core.validators import EmailValidator

from core.text import multiline, one_line
from directories.reader import CONTACT_FIELDS, EMBEDDED_MAX_LENGTH, MAX_LENGTHS


class RowValidator:
    """Turn a record into a contact row for COPY, or the reasons it is rejected.

    Runs once per row of files with a million rows: kept to plain local lookups.
    """

    def __init__(self, header: list[str], mapping: list[str]):
        self.header = header
        self.width = len(header)
        self.index = {
            target: index
            for index, target in reversed(list(enumerate(mapping)))
            if target in CONTACT_FIELDS
        }
        self.embedded = [
            (index, header[index])
            for index, target in enumerate(mapping)
            if target == "embedded"
        ]
        names = ("first_name", "last_name", "external_reference", "language")
        self.positions = [self.index.get(name) for name in names]
        self.named_positions = [(name, self.index.get(name)) for name in names]
        self.email_position = self.index["email"]
        self.embedded_positions = [index for index, _ in self.embedded]
        validator = EmailValidator()
        self._validator = validator
        # Resolve Django's lazily compiled pattern once, not per row.
        self._user_match = validator.user_regex.match
        self._domains: dict[str, bool] = {}
        # The common row (header width, printable, every value short, a valid email)
        # is taken apart by C-level getters: validate's checks cost a tenth of a
        # second per 100,000 rows less (make bench BENCH=import). A file without one
        # of the named columns takes the full path.
        self._pick_values = (
            _tuple_getter(self.positions) if None not in self.positions else None
        )
        self._pick_embedded = _tuple_getter(self.embedded_positions)
        self._short = min(MAX_LENGTHS.values())

    def email_valid(self, value: str) -> bool:
        """EmailValidator's rules, with the domain verdict cached: a file has few domains."""
        if "@" not in value or len(value) > 320:
            return False
        user_part, domain_part = value.rsplit("@", 1)
        if not self._user_match(user_part):
            return False
        verdict = self._domains.get(domain_part)
        if verdict is None:
            validator = self._validator
            verdict = domain_part in validator.domain_allowlist or bool(
                validator.validate_domain_part(domain_part)
            )
            if len(self._domains) < 100_000:
                self._domains[domain_part] = verdict
        return verdict

    def clean_cells(self, cells: list[str]) -> list[str]:
        cells = list(cells)
        for position in self.positions:
            if position is not None:
                cells[position] = one_line(cells[position])
        for position in self.embedded_positions:
            cells[position] = multiline(cells[position])
        return cells

    def validate(self, line: int, cells: list[str]):
        """Return (row, errors).

        row is (line, email, email_lower, first_name, last_name, external_reference,
        language, *embedded values); errors is [(column, reason)].
        """
        pick_values = self._pick_values
        if (
            pick_values is not None
            and len(cells) == self.width
            and "".join(cells).isprintable()
        ):
            values = pick_values(cells)
            email = cells[self.email_position].strip()
            embedded = self._pick_embedded(cells)
            if (
                max(map(len, values)) <= self._short
                and 0 < len(email) <= MAX_LENGTHS["email"]
                and (not embedded or max(map(len, embedded)) <= EMBEDDED_MAX_LENGTH)
                and self.email_valid(email)
            ):
                return (line, email, email.lower(), *values, *embedded), []
        return self.validate_each(line, cells)

    def validate_each(self, line: int, cells: list[str]):
        """validate, one check at a time: every reason a row is rejected."""
        width = self.width
        errors = []
        if len(cells) != width:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            elif "".join(cells[width:]).strip():
                errors.append(
                    ("", "This row has more values than the header row has columns.")
                )
        if not "".join(cells).isprintable():
            # A control character somewhere (or a tab, a no-break space...): clean
            # each value, so no CR reaches an email (issue 14). Rare: one check a row.
            cells = self.clean_cells(cells)
        values = [cells[p] if p is not None else "" for p in self.positions]
        # No value within the shortest limit can be too long: one check for most rows.
        if max(map(len, values)) > self._short:
            for value, (name, position) in zip(
                values, self.named_positions, strict=True
            ):
                if len(value) > MAX_LENGTHS[name]:
                    errors.append(
                        (
                            self.header[position],
                            f"Too long: {len(value)} characters, "
                            f"at most {MAX_LENGTHS[name]}.",
                        )
                    )
        email_position = self.email_position
        email = cells[email_position].strip()
        if not email:
            errors.append((self.header[email_position], "Email is missing."))
        elif len(email) > MAX_LENGTHS["email"]:
            errors.append(
                (
                    self.header[email_position],
                    f"Too long: {len(email)} characters, at most {MAX_LENGTHS['email']}.",
                )
            )
        elif not self.email_valid(email):
            errors.append(
                (
                    self.header[email_position],
                    f"{email!r} is not a valid email address.",
                )
            )
        embedded = [cells[p] for p in self.embedded_positions]
        if embedded and max(map(len, embedded)) > EMBEDDED_MAX_LENGTH:
            for value, (_, column) in zip(embedded, self.embedded, strict=True):
                if len(value) > EMBEDDED_MAX_LENGTH:
                    errors.append(
                        (
                            column,
                            f"Too long: {len(value)} characters, "
                            f"at most {EMBEDDED_MAX_LENGTH}.",
                        )
                    )
        if errors:
            return None, errors
        return (line, email, email.lower(), *values, *embedded), errors


def _tuple_getter(positions: list[int]):
    """cells → the values at positions, always as a tuple (itemgetter of one index
    returns the bare value)."""
    if not positions:
        return lambda cells: ()
    if len(positions) == 1:
        (position,) = positions
        return lambda cells: (cells[position],)
    return itemgetter(*positions)
