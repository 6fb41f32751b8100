"""Allows ``python -m auditdesk``."""

from auditdesk.cli import main

raise SystemExit(main())
