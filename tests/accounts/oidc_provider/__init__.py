"""A real OpenID Connect provider for the campus sign-in tests.

django-oauth-toolkit's provider in its own Django process (gunicorn), on a free
loopback port and its own SQLite file, with an RSA key made at start
(tests/accounts/conftest.py starts it). Not part of Canvass: only the tests run it.
"""
