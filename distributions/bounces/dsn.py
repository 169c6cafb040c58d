"""Reading one returned message: a bounce (hard or soft), a complaint, or neither.

RFC 3464 delivery status notifications first: a `message/delivery-status` part
anywhere in the message (Postfix, Exim, Exchange and Gmail all write one today),
one block per recipient with its Action and Status. Then RFC 5965 feedback
reports (`message/feedback-report`) and Hotmail's older complaint format as
complaints. Then the non-standard bounces older servers still write (Exim's and
Exchange's plain text, Gmail's "failed permanently"): their text is searched for
an enhanced status code or a known phrase, but only in a message that looks like
a bounce (from a mailer daemon, or with a bounce's subject), so an auto-reply
("I am out of the office") is never taken for one.

Hard or soft (status_kind): a permanent failure (5.x.x) is hard, except those
that say nothing about the address: mailbox full (5.2.2), message too big
(5.3.4) and policy refusals (5.7.x: spam filters, authentication), which are
soft, as is every transient one (4.x.x, Action: delayed). Only a hard bounce
suppresses the address, so doubt leans soft.

Pure: bytes in, a BounceReport out (the stdlib email package, compat32 policy,
which parses about ten times faster than the default one); recording it is
distributions.services.bounces' job.
"""

import email
import email.policy
import re
from dataclasses import dataclass, field

HARD = "hard"
SOFT = "soft"
COMPLAINT = "complaint"

# Where a mail server writes the address a returned message was delivered to.
_ADDRESS_HEADERS = (
    "To",
    "Delivered-To",
    "X-Original-To",
    "Envelope-To",
    "X-Envelope-To",
    "X-Failed-Recipients",
    "Received",
)
_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_MESSAGE_ID = re.compile(r"^Message-ID:[ \t]*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)
_BOUNCE_SENDER = re.compile(r"mailer-daemon|postmaster|mail delivery", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|failure notice|returned mail|"
    r"delivery fail|mail delivery failed|could not be delivered|"
    r"delivery has failed|nondeliverable|non-delivery",
    re.IGNORECASE,
)
_SOFT_PHRASES = re.compile(
    r"delayed|will retry|will be retried|not yet been delivered|temporar|"
    r"mailbox (?:is )?full|over ?quota|quota exceeded|try again later",
    re.IGNORECASE,
)
_HARD_PHRASES = re.compile(
    r"failed permanently|permanent (?:error|failure|fatal)|user unknown|"
    r"unknown user|unknown recipient|no such (?:user|mailbox|recipient)|"
    r"not recognized|does not exist|doesn't exist|illegal user|"
    r"recipient (?:address )?rejected|mailbox unavailable|invalid recipient|"
    r"address rejected|account (?:is )?disabled|no mailbox here",
    re.IGNORECASE,
)
_FULL_PHRASES = re.compile(r"quota|mailbox (?:is )?full|disk full", re.IGNORECASE)
# Where a plain-text bounce's copy of the returned message starts; the text
# searched for a reason stops there (the survey's own words could match).
_RETURNED_COPY = re.compile(
    r"^-+ ?(?:original message|this is a copy|the original message|"
    r"returned message|undelivered message)|^Received: ",
    re.IGNORECASE | re.MULTILINE,
)
_TEXT_LIMIT = 20_000


@dataclass
class BounceReport:
    kind: str = ""  # HARD, SOFT, COMPLAINT, or "" (not a report)
    # The status and the server's words, for the owner (one line, at most 500).
    detail: str = ""
    # The addresses that failed, as the report names them.
    recipients: list[str] = field(default_factory=list)
    # Where the report was delivered (To, Delivered-To, Received "for"): the
    # VERP address is among them.
    delivered_to: str = ""
    # The returned message's Message-IDs (the report's own left out).
    message_ids: list[str] = field(default_factory=list)


def status_kind(status: str, diagnostic: str = "") -> str:
    """Return HARD or SOFT for an RFC 3463 status and the server's diagnostic.

    A generic status (x.0.0) defers to a more precise code in the diagnostic
    ("5.0.0" with "550 5.7.1 ... spam" is a policy refusal).
    """
    found = _ENHANCED.search(status or "")
    precise = _ENHANCED.search(diagnostic or "")
    if precise and (
        found is None
        or (found.group(2, 3) == ("0", "0") and precise.group(1) == found.group(1))
    ):
        found = precise
    if found is None:
        code = re.search(r"\b([45])\d\d\b", diagnostic or "")
        if code is None:
            return SOFT
        klass, subject, detail = code.group(1), "0", "0"
    else:
        klass, subject, detail = found.groups()
    if klass != "5":
        return SOFT
    if (subject, detail) in {("2", "2"), ("3", "4")} or subject == "7":
        return SOFT
    if _FULL_PHRASES.search(diagnostic or "") or _FULL_PHRASES.search(status or ""):
        return SOFT
    return HARD


def report_parse(raw: bytes) -> BounceReport:
    """Return what a returned message reports (see the module's docstring)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    report = BounceReport(
        delivered_to=" ".join(
            value for name in _ADDRESS_HEADERS for value in message.get_all(name, [])
        )
    )
    own_id = (message.get("Message-ID") or "").strip()
    texts, returned = [], []
    status_blocks, feedback = [], False
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            status_blocks += _status_blocks(part)
        elif content_type == "message/feedback-report":
            feedback = True
        elif content_type == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                returned.append(payload[0])
        elif content_type == "text/rfc822-headers":
            returned.append(email.message_from_string(_text(part)))
        elif content_type == "text/plain" and len(texts) < 3:
            texts.append(_text(part))
    for inner in returned:
        message_id = (inner.get("Message-ID") or "").strip()
        if message_id:
            report.message_ids.append(message_id)
    report.message_ids += [
        m
        for text in texts
        for m in _MESSAGE_ID.findall(text)
        if m != own_id and m not in report.message_ids
    ]
    if feedback or _hotmail_complaint(message, returned):
        report.kind = COMPLAINT
        report.detail = "Spam complaint"
        return report
    if status_blocks:
        return _from_status(report, status_blocks)
    if _looks_like_bounce(message):
        return _from_text(report, message, texts)
    return report


def _text(part) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload[:_TEXT_LIMIT].decode(charset, "replace")
    except LookupError:
        return payload[:_TEXT_LIMIT].decode("latin-1")


def _status_blocks(part) -> list:
    """Return the per-recipient blocks of a message/delivery-status part.

    compat32 parses the part into a list of header blocks (the per-message block
    first); some servers' parts come back as one text, parsed here by hand.
    """
    payload = part.get_payload()
    if isinstance(payload, str):
        blocks = [
            email.message_from_string(chunk.strip() + "\n")
            for chunk in re.split(r"\n\s*\n", payload.replace("\r\n", "\n"))
            if chunk.strip()
        ]
    else:
        blocks = list(payload)
    return [b for b in blocks if b.get("Action") or b.get("Final-Recipient")]


def _address_of(value: str) -> str:
    # "rfc822; someone@example.org" → someone@example.org
    return value.split(";", 1)[-1].strip().strip("<>") if value else ""


def _from_status(report: BounceReport, blocks) -> BounceReport:
    kinds, details = [], []
    for block in blocks:
        action = (block.get("Action") or "").strip().lower()
        status = (block.get("Status") or "").strip()
        diagnostic = " ".join((block.get("Diagnostic-Code") or "").split())
        if action in ("delivered", "relayed", "expanded"):
            continue
        kind = SOFT if action == "delayed" else status_kind(status, diagnostic)
        kinds.append(kind)
        recipient = _address_of(
            block.get("Original-Recipient") or block.get("Final-Recipient") or ""
        )
        if recipient:
            report.recipients.append(recipient)
        details.append(" ".join(filter(None, [status, diagnostic])))
    if kinds:
        report.kind = HARD if HARD in kinds else SOFT
        report.detail = _one_line("; ".join(details))
    return report


def _looks_like_bounce(message) -> bool:
    sender = f"{message.get('From', '')} {message.get('Return-Path', '')}"
    return bool(
        _BOUNCE_SENDER.search(sender)
        or _BOUNCE_SUBJECT.search(message.get("Subject", ""))
        or message.get("X-Failed-Recipients")
    )


def _from_text(report: BounceReport, message, texts: list[str]) -> BounceReport:
    subject = message.get("Subject", "")
    text = "\n".join(texts)
    cut = _RETURNED_COPY.search(text)
    reason = text[: cut.start()] if cut else text
    failed = message.get("X-Failed-Recipients")
    if failed:
        report.recipients = [a.strip() for a in failed.split(",") if a.strip()]
    code = _ENHANCED.search(reason)
    if code:
        line = next((line for line in reason.splitlines() if code.group(0) in line), "")
        report.kind = status_kind(code.group(0), reason)
        report.detail = _one_line(line or code.group(0))
    elif _SOFT_PHRASES.search(subject) or _SOFT_PHRASES.search(reason):
        report.kind = SOFT
        report.detail = _one_line(_matching_line(reason, _SOFT_PHRASES) or subject)
    elif _HARD_PHRASES.search(reason):
        report.kind = HARD
        report.detail = _one_line(_matching_line(reason, _HARD_PHRASES))
    elif re.search(r"\b5\d\d\b", reason):
        report.kind = HARD
        report.detail = _one_line(_matching_line(reason, re.compile(r"\b5\d\d\b")))
    else:
        # A bounce that says nothing we can read: not a reason to suppress.
        report.kind = SOFT
        report.detail = _one_line(subject or "Returned without a reason")
    return report


def _matching_line(text: str, pattern: re.Pattern) -> str:
    return next((line for line in text.splitlines() if pattern.search(line)), "")


def _hotmail_complaint(message, returned) -> bool:
    """Hotmail/Outlook.com's complaint format before ARF: the reported message
    attached, with the complainer in X-HmXmrOriginalRecipient."""
    return bool(
        re.search(r"complaint about message", message.get("Subject", ""), re.I)
        and any(inner.get("X-HmXmrOriginalRecipient") for inner in returned)
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]
