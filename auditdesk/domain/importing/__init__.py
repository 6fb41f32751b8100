"""Importing findings from a spreadsheet: the pure rules, no file and no database.

- ``fields.py``: the fields a column can fill, their header synonyms, and the mapping
  of a file's headers to fields (explicit choices win over names).
- ``values.py``: one cell to one value — dates (Excel dates, ISO, day/month order
  chosen or detected, never guessed), severity and status synonyms, text limits.
- ``rows.py``: one sheet row to a parsed row with its problems, and the checks across
  rows (duplicate refs, repeat-of cycles).

The service ``auditdesk.services.importing`` reads the file, asks the database and
writes (see docs/architecture.md, "Import and export").
"""
