"""Which way email leaves: SMTP, an email service provider's API, or files.

EMAIL_PROVIDER picks it (README, "Email providers"): `smtp` (EMAIL_HOST...),
or one of the providers below through django-anymail, each with its own keys
from the environment. Unset: SMTP when EMAIL_HOST is set, else files under
var/mail (the Outbox page), as before. A provider's missing key stops the start
with a message naming the variable (SettingError), like every other setting.

ANYMAIL_WEBHOOK_SECRET ("user:password") protects the tracking webhooks
(/anymail/<provider>/tracking/) by HTTP basic auth (anymail's check), and a
provider's own signature is checked as well where it signs (Mailgun:
MAILGUN_WEBHOOK_SIGNING_KEY).
"""

from config.env import SettingError

# provider → (anymail backend, {ANYMAIL setting: (environment variable, required)})
PROVIDERS = {
    "amazon_ses": (
        "anymail.backends.amazon_ses.EmailBackend",
        # Credentials and region come from boto3's own environment
        # (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).
        {"AMAZON_SES_CONFIGURATION_SET_NAME": ("AMAZON_SES_CONFIGURATION_SET", False)},
    ),
    "mailgun": (
        "anymail.backends.mailgun.EmailBackend",
        {
            "MAILGUN_API_KEY": ("MAILGUN_API_KEY", True),
            "MAILGUN_SENDER_DOMAIN": ("MAILGUN_SENDER_DOMAIN", False),
            "MAILGUN_API_URL": ("MAILGUN_API_URL", False),
            "MAILGUN_WEBHOOK_SIGNING_KEY": ("MAILGUN_WEBHOOK_SIGNING_KEY", False),
        },
    ),
    "postmark": (
        "anymail.backends.postmark.EmailBackend",
        {"POSTMARK_SERVER_TOKEN": ("POSTMARK_SERVER_TOKEN", True)},
    ),
    "sendgrid": (
        "anymail.backends.sendgrid.EmailBackend",
        {"SENDGRID_API_KEY": ("SENDGRID_API_KEY", True)},
    ),
    "brevo": (
        "anymail.backends.brevo.EmailBackend",
        {"BREVO_API_KEY": ("BREVO_API_KEY", True)},
    ),
}
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def email_provider_settings(environ) -> tuple[str, str, dict]:
    """Return (provider, EMAIL_BACKEND, ANYMAIL) for the environment."""
    provider = environ.get("EMAIL_PROVIDER", "").strip().lower()
    anymail = {}
    secret = environ.get("ANYMAIL_WEBHOOK_SECRET", "")
    if secret:
        if ":" not in secret:
            raise SettingError(
                "ANYMAIL_WEBHOOK_SECRET must be user:password (HTTP basic auth of "
                "the providers' tracking webhooks)."
            )
        anymail["WEBHOOK_SECRET"] = secret
    if not provider:
        backend = SMTP_BACKEND if environ.get("EMAIL_HOST") else FILE_BACKEND
        return ("smtp" if environ.get("EMAIL_HOST") else "", backend, anymail)
    if provider == "smtp":
        if not environ.get("EMAIL_HOST"):
            raise SettingError("EMAIL_PROVIDER=smtp needs EMAIL_HOST.")
        return provider, SMTP_BACKEND, anymail
    if provider not in PROVIDERS:
        names = ", ".join(["smtp", *PROVIDERS])
        raise SettingError(f"EMAIL_PROVIDER must be one of {names}, not {provider!r}.")
    backend, keys = PROVIDERS[provider]
    for setting, (variable, required) in keys.items():
        value = environ.get(variable, "").strip()
        if required and not value:
            raise SettingError(f"EMAIL_PROVIDER={provider} needs {variable}.")
        if value:
            anymail[setting] = value
    return provider, backend, anymail
