"""Settings of how email is delivered beyond the backend (issue 17): DKIM signing,
the sending account's rate limits and bounces after the send. Every value comes
from the environment (README); config.settings takes them all
(EMAIL_DELIVERY, and each name as a setting of its own)."""

from config.env import env_bool, env_int, env_str


def email_delivery_settings() -> dict:
    """Return {setting name: value} read from the environment."""
    # DKIM signing of SMTP mail (distributions.services.dkim_signing): the signing
    # domain (d=), the selector (s=; DNS TXT at <selector>._domainkey.<domain>) and a
    # PEM RSA private key file readable by the workers. Off while either is empty.
    DKIM_DOMAIN = env_str("DKIM_DOMAIN").strip().lower()
    DKIM_SELECTOR = env_str("DKIM_SELECTOR", "canvass").strip()
    DKIM_PRIVATE_KEY_FILE = env_str("DKIM_PRIVATE_KEY_FILE").strip()

    # Send rate limits of the sending account, shared by all workers through Redis
    # (distributions.services.send_rate); 0: none. SEND_RATE_ACCOUNT names the
    # account (default: the backend, host and login).
    SEND_RATE_PER_SECOND = env_int("SEND_RATE_PER_SECOND", 0, minimum=0, maximum=100000)
    SEND_RATE_PER_HOUR = env_int("SEND_RATE_PER_HOUR", 0, minimum=0, maximum=10**9)
    SEND_RATE_ACCOUNT = env_str("SEND_RATE_ACCOUNT")

    # --- distributions: bounces and complaints after the send ---
    # The domain of the VERP return path: with it set, each email's envelope sender
    # is bounces+<delivery>-<check>@BOUNCE_DOMAIN (distributions.bounces.verp), whose
    # mail must reach `manage.py process_bounce` (a pipe) or the IMAP mailbox below.
    # Empty: the envelope sender stays DEFAULT_FROM_EMAIL's. Checked by core.checks.
    BOUNCE_DOMAIN = env_str("BOUNCE_DOMAIN").strip().lower()
    # A bounce mailbox read by the distributions.poll_bounce_mailbox beat task every
    # BOUNCE_IMAP_INTERVAL seconds (off while BOUNCE_IMAP_HOST is empty); each
    # message is processed as process_bounce would, then deleted from the folder.
    BOUNCE_IMAP_HOST = env_str("BOUNCE_IMAP_HOST").strip()
    BOUNCE_IMAP_SSL = env_bool("BOUNCE_IMAP_SSL", True)
    BOUNCE_IMAP_PORT = env_int(
        "BOUNCE_IMAP_PORT", 993 if BOUNCE_IMAP_SSL else 143, minimum=1, maximum=65535
    )
    BOUNCE_IMAP_USER = env_str("BOUNCE_IMAP_USER")
    BOUNCE_IMAP_PASSWORD = env_str("BOUNCE_IMAP_PASSWORD")
    BOUNCE_IMAP_FOLDER = env_str("BOUNCE_IMAP_FOLDER", "INBOX")
    BOUNCE_IMAP_INTERVAL = env_int("BOUNCE_IMAP_INTERVAL", 60, minimum=5)
    return {name: value for name, value in locals().items() if name.isupper()}
