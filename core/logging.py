import logging
import re

# Personal-link tokens appear in paths as /s/<token>/; never let them reach a log line.
TOKEN_IN_PATH = re.compile(r"(/s/)[A-Za-z0-9_\-]{16,}")


class RedactTokensFilter(logging.Filter):
    def filter(self, record):
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str) and "/s/" in record.msg:
            record.msg = TOKEN_IN_PATH.sub(r"\1[token]", record.msg)
        return True
