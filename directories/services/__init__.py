"""Writes to directories data, by job: lists and contacts, suppressions, imports."""


class DirectoryError(Exception):
    """A write the owner asked for that cannot be done; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
