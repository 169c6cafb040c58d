"""Keep personal-link tokens out of every log line, at every level.

docs/architecture.md, "The path of a personal link": a token is the only key to a
person's survey and opt-out, so none may reach a log. The redaction is done where a
record is made, not by one handler's filter, so it holds for every logger and every
handler in the process, including ones added later (another formatter, pytest's
caplog, gunicorn's access and error logs):

- `redaction_install()` wraps the LogRecord factory. Each record's message is
  formatted at once and redacted; so are its exception and stack text. The exception
  itself is dropped once its redacted text is kept (`exc_text`, which every
  logging.Formatter prints): a handler formatting the live exception again would
  bring back what was redacted.
- What is redacted: a personal-link path `/s/<token>/` (also a mistyped one), and
  any run of 43 or more URL-safe base64 characters, the shape of every
  `core.tokens.new_token()` (tokens, resume keys) whatever surrounds it (a query
  string, an IntegrityError's DETAIL, a Referer). Longer runs of lowercase letters,
  digits and underscores are left: they are names (tables, constraints, tasks).
- SQL logs (`django.db.backends`, on with DEBUG or force_debug_cursor) keep the
  statement and drop every quoted value and every text or bytes parameter. No
  pattern can find a token there: a batch of personal links travels as one bytes
  value, the tokens glued end to end (and hex-encoded in the logged SQL); the same
  values also hold names, addresses and answers. Numbers and NULLs stay in the
  statement, and numbers and dates in the parameters, for reading which rows a
  statement touched. Django adds the statement to the record
  after the factory has run (`extra=`), so a filter on those loggers does this part.

Django calls `configure()` (settings.LOGGING_CONFIG) in every process it sets up:
web, worker, beat and manage.py; gunicorn.conf.py installs the same for gunicorn's
own loggers.
"""

import datetime
import decimal
import logging
import logging.config
import re
import uuid

TOKEN_IN_PATH = re.compile(r"(/s/)[A-Za-z0-9_\-]{16,}")
TOKEN_SHAPED = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{43,}(?![A-Za-z0-9_\-])")
NAME_SHAPED = re.compile(r"[a-z0-9_]+")
SQL_STRING = re.compile(r"'(?:[^']|'')*'")
SQL_LOGGERS = ("django.db.backends", "django.db.backends.schema")
REDACTED = "[redacted]"
# Parameters an SQL log may show: they say which rows, not what a person wrote.
SQL_SHOWN_TYPES = (
    bool,
    int,
    float,
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
    type(None),
)


def _token_shaped(match: re.Match) -> str:
    run = match.group()
    if len(run) > 43 and NAME_SHAPED.fullmatch(run):
        return run
    return "[token]"


def redact(text: str) -> str:
    """Return `text` with personal-link paths and token-shaped runs replaced."""
    if "/s/" in text:
        text = TOKEN_IN_PATH.sub(r"\1[token]", text)
    return TOKEN_SHAPED.sub(_token_shaped, text)


def sql_values_hidden(value):
    """Return an SQL statement without its quoted values, or parameters masked."""
    if isinstance(value, str):
        return SQL_STRING.sub(f"'{REDACTED}'", value)
    return _parameters_hidden(value)


def _parameters_hidden(value):
    if isinstance(value, SQL_SHOWN_TYPES):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_parameters_hidden(item) for item in value)
    if isinstance(value, dict):
        return {key: _parameters_hidden(item) for key, item in value.items()}
    return REDACTED


def redact_record(record: logging.LogRecord) -> None:
    """Replace the record's message, exception and stack with redacted text."""
    if record.name in SQL_LOGGERS and isinstance(record.args, tuple):
        # Django's "(%.3f) %s; args=%s; alias=%s": every text argument is a
        # statement or the alias, every collection the parameters.
        record.args = tuple(sql_values_hidden(arg) for arg in record.args)
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001  a bad format string; logging would print it raw
        message = f"{record.msg!r} % {record.args!r}"
    record.msg = redact(message)
    record.args = None
    if record.exc_info:
        if not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class SqlValuesFilter(logging.Filter):
    """Mask the `sql` and `params` that Django adds to its SQL log records."""

    def filter(self, record):
        if hasattr(record, "sql"):
            record.sql = sql_values_hidden(record.sql)
        if hasattr(record, "params"):
            record.params = _parameters_hidden(record.params)
        return True


def redaction_install() -> None:
    """Redact every log record this process makes from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts_tokens", False):

        def redacting_factory(*args, **kwargs):
            record = factory(*args, **kwargs)
            redact_record(record)
            return record

        redacting_factory.redacts_tokens = True
        logging.setLogRecordFactory(redacting_factory)
    for name in SQL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, SqlValuesFilter) for f in logger.filters):
            logger.addFilter(SqlValuesFilter())


def configure(config: dict) -> None:
    """Apply settings.LOGGING and make redaction global (Django's LOGGING_CONFIG)."""
    logging.config.dictConfig(config)
    redaction_install()
