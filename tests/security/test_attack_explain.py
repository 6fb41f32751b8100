"""EXPLAIN ANALYZE as an oracle: a login puts another tenant's values in the WHERE clause
and reads "Rows Removed by Filter". With one policy per command led by the tenant
equality, the tenant is part of every index condition, so no other tenant's row is
ever fetched and the plan reads the same whether the guess is right or wrong."""

from __future__ import annotations

import json

import pytest


def _counts(plan: dict) -> tuple[int, int]:
    """(rows removed by any filter, rows any node returned) over the whole plan."""
    removed = plan.get("Rows Removed by Filter", 0) + plan.get("Rows Removed by Index Recheck", 0)
    returned = plan.get("Actual Rows", 0)
    for child in plan.get("Plans", []):
        child_removed, child_returned = _counts(child)
        removed += child_removed
        returned += child_returned
    return removed, returned


def _explain(person, sql: str, params) -> tuple[int, int]:
    (row,) = person.run(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
    document = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    return _counts(document[0]["Plan"])


@pytest.mark.parametrize("role", ["auditor", "manager", "admin"])
def test_explain_tells_nothing_about_another_tenants_rows(cast, owner_sql, role):
    person = cast.alpha.people[role]
    beta = cast.beta.tenant.id
    (title,) = owner_sql(
        "SELECT title FROM observation WHERE id = :id", {"id": cast.beta.finding_id}
    )[0]
    probes = [
        ("SELECT 1 FROM app_user WHERE tenant_id = %s AND email = %s",
         "admin@beta.example", "nobody@beta.example"),
        ("SELECT 1 FROM observation WHERE tenant_id = %s AND title = %s",
         title, "No such title"),
        ("SELECT 1 FROM observation WHERE tenant_id = %s AND title >= %s",
         "", "~~~~"),
        ("SELECT 1 FROM audit_log WHERE tenant_id = %s AND table_name = %s",
         "observation", "no_such_table"),
        ("SELECT 1 FROM tenant WHERE id = %s AND slug = %s", "beta", "gamma"),
    ]
    for sql, right, wrong in probes:
        on_right = _explain(person, sql, (beta, right))
        on_wrong = _explain(person, sql, (beta, wrong))
        assert on_right == on_wrong and on_right[0] == 0, (sql, on_right, on_wrong)


def test_a_login_of_another_database_cannot_connect(cast, database_url):
    """CONNECT is taken from PUBLIC: only this database's group roles get in."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    stranger = f"{cast.logins[0]}_x"
    admin = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f"CREATE ROLE \"{stranger}\" LOGIN PASSWORD 'stranger-pw-1'"))
        conninfo = url.set(
            drivername="postgresql", username=stranger, password="stranger-pw-1"
        ).render_as_string(hide_password=False)
        import psycopg

        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(conninfo).close()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP ROLE IF EXISTS "{stranger}"'))
        admin.dispose()
