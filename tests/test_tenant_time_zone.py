"""A tenant's clock: the zone is validated in the domain and refused by the database too;
a new tenant takes the workstation's zone, existing rows and raw inserts get UTC."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from auditdesk.data import tenants
from auditdesk.db.models import TenantRow
from auditdesk.domain.changes import Table
from auditdesk.domain.clock import Clock, today_in, validate_time_zone, workstation_time_zone
from auditdesk.domain.errors import ValidationError
from auditdesk.services import tenants as tenant_service
from auditdesk.services.demo import load_demo

BAD_ZONES = ["", "Mars/Olympus_Mons", "EST5EDT+1", "XYZ+3", "posix/Europe/Berlin", "Factory",
             "Europe/Berlin; DROP TABLE tenant", "x" * 300]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Pacific/Auckland", "UTC", " Asia/Tokyo "])
def test_known_zones_are_accepted(zone):
    assert validate_time_zone(zone) == zone.strip()


@pytest.mark.parametrize("zone", BAD_ZONES)
def test_unknown_zones_are_one_field_message(zone):
    with pytest.raises(ValidationError) as caught:
        validate_time_zone(zone)
    assert set(caught.value.problems) == {"time_zone"}
    assert "time zone" in str(caught.value) or "required" in str(caught.value)


def test_today_depends_on_the_zone():
    moment = datetime(2026, 3, 14, 11, 30, tzinfo=UTC)  # 00:30 on the 15th in Auckland
    assert today_in("Pacific/Auckland", moment) == date(2026, 3, 15)
    assert today_in("Pacific/Pago_Pago", moment) == date(2026, 3, 14)
    assert Clock("UTC", moment).today() == date(2026, 3, 14)
    with pytest.raises(ValueError):
        today_in("UTC", datetime(2026, 3, 14, 11, 30))


def test_workstation_zone_sources_in_order(tmp_path):
    (tmp_path / "etc").mkdir()
    assert workstation_time_zone({}, tmp_path) == "UTC"
    zoneinfo = tmp_path / "usr/share/zoneinfo/America"
    zoneinfo.mkdir(parents=True)
    (zoneinfo / "Chicago").write_bytes(b"TZif")
    os.symlink(zoneinfo / "Chicago", tmp_path / "etc/localtime")
    assert workstation_time_zone({}, tmp_path) == "America/Chicago"
    (tmp_path / "etc/timezone").write_text("Asia/Tokyo\n")
    assert workstation_time_zone({}, tmp_path) == "Asia/Tokyo"
    assert workstation_time_zone({"TZ": ":Europe/Berlin"}, tmp_path) == "Europe/Berlin"
    assert workstation_time_zone({"TZ": "EST5EDT,M3.2.0,M11.1.0"}, tmp_path) == "Asia/Tokyo"
    (tmp_path / "etc/timezone").write_text("Not/A_Zone\n")
    assert workstation_time_zone({}, tmp_path) == "America/Chicago"


def test_new_tenant_takes_the_workstation_zone(database, monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Pago_Pago")
    with database.sessions.begin() as s:
        created = tenant_service.create_tenant(s, "pago", "Pago Ltd").value
        chosen = tenant_service.create_tenant(s, "kiwi", "Kiwi Ltd", time_zone="Pacific/Auckland").value
    assert created.time_zone == "Pacific/Pago_Pago"
    assert chosen.time_zone == "Pacific/Auckland"
    with database.sessions() as s:
        assert tenants.time_zone_of(s, created.id) == "Pacific/Pago_Pago"
        assert tenants.get_tenant_by_slug(s, "kiwi").time_zone == "Pacific/Auckland"


def test_bad_zone_on_create_changes_nothing(database):
    with pytest.raises(ValidationError) as caught, database.sessions.begin() as s:
        tenant_service.create_tenant(s, "mars", "Mars", time_zone="Mars/Olympus_Mons")
    assert set(caught.value.problems) == {"time_zone"}
    with database.sessions() as s:
        assert tenants.list_tenants(s) == []


def test_raw_insert_without_zone_gets_utc(database):
    with database.engine.begin() as c:
        c.execute(text("INSERT INTO tenant (slug, name) VALUES ('raw', 'Raw')"))
        assert c.execute(text("SELECT time_zone FROM tenant")).scalar_one() == "UTC"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "XYZ+3", "posix/Europe/Berlin", "", "UTC+5"])
def test_database_refuses_unknown_zone_with_raw_sql(database, zone):
    with pytest.raises(IntegrityError, match="tenant_time_zone_check|is not known"), \
            database.engine.begin() as c:
        c.execute(
            text("INSERT INTO tenant (slug, name, time_zone) VALUES ('raw', 'Raw', :z)"), {"z": zone}
        )
    with database.engine.begin() as c:
        c.execute(text("INSERT INTO tenant (slug, name) VALUES ('raw', 'Raw')"))
    with pytest.raises(IntegrityError) as caught, database.engine.begin() as c:
        c.execute(text("UPDATE tenant SET time_zone = :z"), {"z": zone})
    assert caught.value.orig.diag.constraint_name == "tenant_time_zone_check"
    with database.engine.connect() as c:
        assert c.execute(text("SELECT time_zone FROM tenant")).scalar_one() == "UTC"
    with database.engine.begin() as c:
        c.execute(text("UPDATE tenant SET time_zone = 'Pacific/Auckland'"))


def test_database_refusal_becomes_a_field_message(database):
    """The client's check bypassed: the database's refusal still reads as a field message."""
    from auditdesk.data.errors import translated_errors

    with pytest.raises(ValidationError) as caught, database.sessions.begin() as s, \
            translated_errors():
        s.add(TenantRow(slug="mars", name="Mars", time_zone="Mars/Olympus_Mons"))
        s.flush()
    assert caught.value.problems == {"time_zone": "is not a time zone the database knows"}


def test_set_time_zone(database):
    with database.sessions.begin() as s:
        t = tenant_service.create_tenant(s, "acme", "Acme", time_zone="UTC").value
    with database.sessions.begin() as s:
        assert tenants.set_time_zone(s, t.id, "Europe/Berlin").time_zone == "Europe/Berlin"
    with pytest.raises(ValidationError), database.sessions.begin() as s:
        tenants.set_time_zone(s, t.id, "Europe/Atlantis")
    with database.sessions() as s:
        assert tenants.time_zone_of(s, t.id) == "Europe/Berlin"


def test_demo_tenants_each_keep_a_zone(database):
    with database.sessions.begin() as s:
        load_demo(s, observations=5, today=date(2026, 3, 15))
    with database.sessions() as s:
        zones = {t.slug: t.time_zone for t in tenants.list_tenants(s)}
    assert zones == {"northwind": "Europe/Berlin", "contoso": "Pacific/Auckland"}


def _cli(database_url, capsys, *args):
    from auditdesk.cli import main

    code = main(["--database-url", database_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_shows_and_sets_the_time_zone(database, database_url, capsys):
    with database.sessions.begin() as s:
        tenant_service.create_tenant(s, "acme", "Acme", time_zone="UTC")
    code, out, _ = _cli(database_url, capsys, "tenant", "show")
    assert code == 0 and "time zone: UTC" in out
    code, out, _ = _cli(database_url, capsys, "tenant", "set-time-zone", "Pacific/Auckland", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["time_zone"] == "Pacific/Auckland"
    assert payload["today"] == today_in("Pacific/Auckland").isoformat()


def test_cli_unknown_zone_is_one_clear_line_and_changes_nothing(database, database_url, capsys):
    with database.sessions.begin() as s:
        tenant_service.create_tenant(s, "acme", "Acme", time_zone="Europe/Berlin")
    code, out, err = _cli(database_url, capsys, "tenant", "set-time-zone", "Europe/Atlantis")
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        "auditdesk: error: Please correct the following — time_zone: 'Europe/Atlantis' is not a "
        "known time zone; use an IANA name such as Europe/Berlin, America/New_York or UTC"
    ]
    with database.sessions() as s:
        assert tenants.time_zone_of(s, tenants.get_tenant_by_slug(s, "acme").id) == "Europe/Berlin"


def test_only_an_admin_sets_the_time_zone(database):
    import factories as f

    from auditdesk.domain.enums import Role
    from auditdesk.domain.errors import PermissionDenied

    with database.sessions.begin() as s:
        t = tenant_service.create_tenant(s, "acme", "Acme", time_zone="UTC").value
        manager = f.actor(t, f.user(s, t.id, Role.MANAGER))
        admin = f.actor(t, f.user(s, t.id, Role.ADMIN))
    with pytest.raises(PermissionDenied, match="admin"), database.sessions.begin() as s:
        tenant_service.set_time_zone(s, manager, "Asia/Tokyo")
    with database.sessions.begin() as s:
        outcome = tenant_service.set_time_zone(s, admin, "Asia/Tokyo")
    assert outcome.value.time_zone == "Asia/Tokyo"
    assert outcome.changes.ids(Table.TENANT) == {t.id}
