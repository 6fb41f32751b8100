"""Dialogs: connection, engagement editor."""
