"""The responses export: one table of columns (columns.py), written as CSV, Excel or SPSS.

Every format takes its columns and rows from `columns.export_table`, so a rule about
what an export may carry (an anonymous survey's responses carry no identity) is
written once, there.
"""
