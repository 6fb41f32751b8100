"""Remediation use cases (docs/architecture.md, "Remediation"): a finding's action plan
(``actions``), the validation of its fix and the closing that follows (``validation``),
risk acceptance that expires and due-date extensions (``acceptance``), and the
tenant's due-date policy (``policy``). Reads for the table, dashboard and board report
live in ``reads``.

Each function takes the caller's session (one transaction per user action, never
committed here) and, for writes, the acting user; it applies the domain's rules first
and returns an ``Outcome`` naming the rows it changed. PostgreSQL enforces the same
rules (migration 0011).
"""
