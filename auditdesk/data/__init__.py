"""Queries and commands over a Session, one module per aggregate. Never commits."""
