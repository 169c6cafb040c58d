"""Canvass's date formats for English (FORMAT_MODULE_PATH).

`en` (LANGUAGE_CODE, an owner who chose no locale) shows ISO 8601 dates, as Canvass
always has. Django looks a locale up here before its own (`en_GB`, then `en`), so
each English locale an owner may choose re-exports Django's formats for it.
"""
