"""Settings of signing in: campus sign-in (OIDC, SAML) and password sign-in, and the
limits on failed sign-ins and password resets. Star-imported by config/settings.py."""

import os

from config.campus import campus_settings
from config.env import env_int

# Campus sign-in (config/campus.py): PASSWORD_LOGIN, the OIDC_* and SAML_* variables,
# and django-allauth's settings for them (SOCIALACCOUNT_*, ACCOUNT_*).
CAMPUS = campus_settings(os.environ)
globals().update(CAMPUS)
# Sign-in limits (accounts.throttle, counted in the shared cache): failures per
# client address and account pause that pair for the window; failures per address
# over all accounts pause the address; failures per account over all addresses
# only slow its next attempts (1, 2, 4 ... s, at most LOGIN_BACKOFF_MAX_SECONDS).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50, minimum=1)
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 20, minimum=1)
LOGIN_BACKOFF_MAX_SECONDS = env_int("LOGIN_BACKOFF_MAX_SECONDS", 60, minimum=1)
# Password-reset requests per client address and per email address, per hour.
PASSWORD_RESET_ADDRESS_LIMIT = env_int("PASSWORD_RESET_ADDRESS_LIMIT", 10, minimum=1)
PASSWORD_RESET_EMAIL_LIMIT = env_int("PASSWORD_RESET_EMAIL_LIMIT", 3, minimum=1)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
