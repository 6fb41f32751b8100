"""Tenants and users: field rules match the database's, deactivated logins are refused."""

from __future__ import annotations

import factories as f
import pytest
from sqlalchemy import text

from auditdesk.domain.errors import PermissionDenied, ValidationError
from auditdesk.services import tenants as tenant_service


@pytest.mark.parametrize("slug", ["-leading", "ünïcode", "", "x" * 41, "has space"])
def test_bad_slugs_are_field_errors(database, slug):
    with pytest.raises(ValidationError, match="slug"), database.sessions.begin() as s:
        tenant_service.create_tenant(s, slug, "Name")


def test_user_rules(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
    with pytest.raises(ValidationError) as caught, database.sessions.begin() as s:
        tenant_service.create_user(s, t.id, "not-an-email", "x" * 201, "boss")
    assert set(caught.value.problems) == {"email", "display_name", "role"}


def test_deactivated_login_is_refused(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        login = s.execute(text("SELECT session_user")).scalar_one()
        tenant_service.create_user(s, t.id, "gone@example.org", "Gone User", db_login=login)
        assert tenant_service.user_for_login(s).email == "gone@example.org"
        s.execute(text("UPDATE app_user SET active = false"))
        with pytest.raises(PermissionDenied, match="deactivated"):
            tenant_service.user_for_login(s)
