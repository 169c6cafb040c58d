"""Read the emails Django's file backend wrote under EMAIL_FILE_PATH (the Outbox page).

The backend appends each message to one file per connection, followed by a line of 79
dashes, so one file may hold a whole batch.
"""

import re
from dataclasses import dataclass
from datetime import UTC
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

SEPARATOR = b"\n" + b"-" * 79 + b"\n"
FILE_NAME = re.compile(r"^[\w.\-]+\.log$")
MAX_LISTED = 500


@dataclass
class OutboxMail:
    file_name: str
    index: int
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def sender(self) -> str:
        return str(self.message.get("From", ""))

    @property
    def date(self):
        raw = self.message.get("Date")
        try:
            when = parsedate_to_datetime(str(raw)) if raw else None
        except (TypeError, ValueError):
            return None
        if when is not None and when.tzinfo is None:
            # "-0000" (how Django dates mail) means UTC with no zone known.
            when = when.replace(tzinfo=UTC)
        return when

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


def _messages_in(path: Path) -> list[bytes]:
    chunks = path.read_bytes().split(SEPARATOR)
    return [chunk for chunk in chunks if chunk.strip()]


def outbox_list(folder: Path) -> list[OutboxMail]:
    """Return the mails in folder, newest first."""
    if not folder.is_dir():
        return []
    files = sorted(
        (p for p in folder.iterdir() if FILE_NAME.match(p.name) and p.is_file()),
        key=lambda p: (p.stat().st_mtime, p.name),
        reverse=True,
    )
    mails: list[OutboxMail] = []
    for path in files:
        chunks = _messages_in(path)
        for index in reversed(range(len(chunks))):
            message = message_from_bytes(chunks[index], policy=policy.default)
            mails.append(OutboxMail(path.name, index, message))
            if len(mails) >= MAX_LISTED:
                return mails
    return mails


def outbox_mail(folder: Path, file_name: str, index: int) -> OutboxMail | None:
    if not FILE_NAME.match(file_name):
        return None
    path = folder / file_name
    if not path.is_file():
        return None
    chunks = _messages_in(path)
    if not 0 <= index < len(chunks):
        return None
    return OutboxMail(
        file_name, index, message_from_bytes(chunks[index], policy=policy.default)
    )
