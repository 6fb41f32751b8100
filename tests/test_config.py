"""Where the database comes from, and the saved profile that never holds a password."""

from __future__ import annotations

from pathlib import Path

from auditdesk.config import read_profile, resolve_source, write_profile


def test_profile_round_trip_drops_the_password_and_keeps_percent_signs(tmp_path):
    path = tmp_path / "auditdesk.ini"
    url = "postgresql://alice:s3cret@/audit?host=%2Fvar%2Frun%2Fpostgresql"
    write_profile(url, path)
    assert "s3cret" not in path.read_text()
    assert read_profile([path])["url"] == "postgresql://alice@/audit?host=%2Fvar%2Frun%2Fpostgresql"
    write_profile(None, path)
    assert read_profile([path]) == {}


def test_resolution_order(monkeypatch, tmp_path):
    monkeypatch.delenv("AUDITDESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("AUDITDESK_WORKSPACE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_source().origin == "embedded"
    assert resolve_source().workspace == tmp_path / "data" / "auditdesk" / "workspace"
    write_profile("postgresql://bob@db.example.org/audit", tmp_path / "config" / "auditdesk" / "auditdesk.ini")
    assert resolve_source().origin == "profile"
    monkeypatch.setenv("AUDITDESK_WORKSPACE", str(tmp_path / "ws"))
    assert resolve_source().origin == "environment" and resolve_source().workspace == tmp_path / "ws"
    monkeypatch.setenv("AUDITDESK_DATABASE_URL", "postgresql://env@host/db")
    assert resolve_source().url == "postgresql://env@host/db"
    assert resolve_source("postgresql://opt@host/db").origin == "option"
    assert resolve_source(workspace=Path("/tmp/elsewhere")).workspace == Path("/tmp/elsewhere")
