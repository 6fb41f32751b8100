"""AuditDesk: a desktop client for internal-audit teams."""

__version__ = "0.1.0"
APP_NAME = "AuditDesk"
APP_ID = "auditdesk"
