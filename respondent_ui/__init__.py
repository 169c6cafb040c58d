"""Canvass's own words on respondent pages, in every shipped language.

Everything Canvass itself says to a respondent (buttons, progress, required-field
and validation errors, the already-completed, closed-link and opt-out pages) lives in
this app: the page templates under templates/, the words Python code shows in
texts.py, their translations in locale/. `django-admin makemessages` run in this
directory reads exactly these files, so the shipped catalogues hold respondent
strings only (owner pages are English; docs/architecture.md, Languages).
"""
