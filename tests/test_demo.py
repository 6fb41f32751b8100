"""Demo data: believable shape, consistency with the schema's rules, reproducibility,
refusal to load twice, scaling of the first tenant, and the ``auditdesk demo`` command."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import factories
import pytest
from sqlalchemy import text

from auditdesk.cli import main
from auditdesk.config import DatabaseSource
from auditdesk.db.connection import open_database
from auditdesk.services.demo import DemoDataExists, has_data, load_demo

TODAY = date(2026, 3, 15)


def _scalar(database, sql: str, **params):
    with database.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def _rows(database, sql: str, **params):
    with database.engine.connect() as connection:
        return connection.execute(text(sql), params).all()


def _digest(database) -> str:
    rows = _rows(
        database,
        """
        SELECT t.slug, o.ref, o.title, o.severity, o.status, o.identified_on, o.due_date,
               o.original_due_date, o.closed_at, o.condition, e.code, r.ref AS repeat_of
          FROM observation o
          JOIN tenant t ON t.id = o.tenant_id
          LEFT JOIN audit_engagement e ON (e.tenant_id, e.id) = (o.tenant_id, o.engagement_id)
          LEFT JOIN observation r ON (r.tenant_id, r.id) = (o.tenant_id, o.repeat_of_id)
         ORDER BY t.slug, o.ref
        """,
    )
    users = _rows(database, "SELECT email, role FROM app_user ORDER BY email")
    return hashlib.sha256(repr((rows, users)).encode()).hexdigest()


@pytest.fixture(scope="module")
def loaded(create_database):
    """The default demo, loaded once into a database of its own; tests only read it."""
    database = open_database(DatabaseSource(create_database("auditdesk_demo"), None, "option"))
    summary = load_demo(database.engine, today=TODAY)
    yield database, summary
    database.close()


def test_has_data_before_and_after(database):
    with database.sessions() as session:
        assert has_data(session) is False
    load_demo(database.engine, today=TODAY)
    with database.sessions() as session:
        assert has_data(session) is True


def test_tenants_users_and_roles(loaded):
    database, summary = loaded
    assert [t.slug for t in summary.tenants] == ["northwind", "contoso"]
    tenants = _rows(database, "SELECT slug, name FROM tenant ORDER BY slug")
    assert tenants == [("contoso", "Contoso Group"), ("northwind", "Northwind Holdings")]
    roles = _rows(
        database,
        """SELECT t.slug, u.role, count(*) FROM app_user u JOIN tenant t ON t.id = u.tenant_id
            GROUP BY 1, 2""",
    )
    for slug in ("northwind", "contoso"):
        assert {r for s, r, _ in roles if s == slug} == {"auditor", "manager", "admin"}
    domains = _rows(
        database,
        """SELECT DISTINCT t.slug, split_part(u.email, '@', 2)
             FROM app_user u JOIN tenant t ON t.id = u.tenant_id""",
    )
    assert sorted(domains) == [("contoso", "contoso.example"), ("northwind", "northwind.example")]
    assert summary.users == _scalar(database, "SELECT count(*) FROM app_user")


def test_engagements_span_three_years_with_consistent_statuses(loaded):
    database, summary = loaded
    per_tenant = _rows(
        database,
        """SELECT t.slug, count(*), count(DISTINCT e.auditee), min(e.planned_start),
                  max(e.planned_start)
             FROM audit_engagement e JOIN tenant t ON t.id = e.tenant_id GROUP BY 1""",
    )
    for slug, count, auditees, first, last in per_tenant:
        assert count >= 40, slug
        assert 17 <= auditees <= 22, slug
        assert (TODAY - first).days >= 900  # about three years back
        assert last > TODAY  # some planned for the coming months
    assert summary.engagements == _scalar(database, "SELECT count(*) FROM audit_engagement")
    codes = _rows(database, "SELECT code FROM audit_engagement")
    assert all(c.startswith("ENG-20") and len(c) == len("ENG-2025-014") for (c,) in codes)
    bad = _scalar(
        database,
        """SELECT count(*) FROM audit_engagement
            WHERE (status = 'planned' AND planned_start <= :today)
               OR (status = 'closed' AND planned_end >= :today)
               OR (status = 'fieldwork' AND NOT :today BETWEEN planned_start AND planned_end)
               OR (status = 'reporting' AND planned_end >= :today)
               OR lead_auditor_id IS NULL""",
        today=TODAY,
    )
    assert bad == 0
    statuses = {s for (s,) in _rows(database, "SELECT DISTINCT status FROM audit_engagement")}
    assert {"planned", "fieldwork", "closed"} <= statuses
    lead_is_member = _scalar(
        database,
        """SELECT bool_and(EXISTS (SELECT 1 FROM engagement_member m
                                     WHERE m.tenant_id = e.tenant_id AND m.engagement_id = e.id
                                       AND m.user_id = e.lead_auditor_id))
             FROM audit_engagement e""",
    )
    assert lead_is_member is True
    leads_roles = {
        r
        for (r,) in _rows(
            database,
            """SELECT DISTINCT u.role FROM audit_engagement e
                 JOIN app_user u ON (u.tenant_id, u.id) = (e.tenant_id, e.lead_auditor_id)""",
        )
    }
    assert leads_roles <= {"auditor", "manager"}


def test_observations_severity_status_and_dates(loaded):
    database, summary = loaded
    total = _scalar(database, "SELECT count(*) FROM observation")
    assert total == summary.observations
    assert 300 <= summary.tenants[1].observations <= summary.tenants[0].observations <= 2000
    share = dict(
        _rows(
            database,
            "SELECT severity, count(*)::float / :total FROM observation GROUP BY 1",
            total=total,
        )
    )
    assert 0.02 < share["critical"] < 0.08
    assert 0.15 < share["high"] < 0.25
    assert 0.44 < share["medium"] < 0.56
    assert 0.20 < share["low"] < 0.30
    assert share["medium"] == max(share.values())
    # The schema's own rules, and the dates the demo promises.
    inconsistent = _scalar(
        database,
        """SELECT count(*) FROM observation
            WHERE (status IN ('closed', 'risk_accepted')) <> (closed_at IS NOT NULL)
               OR due_date < identified_on OR original_due_date < identified_on
               OR due_date < original_due_date
               OR identified_on > :today OR closed_at::date >= :today
               OR closed_at::date < identified_on
               OR engagement_id IS NULL OR owner_id IS NULL""",
        today=TODAY,
    )
    assert inconsistent == 0
    by_severity_days = dict(
        _rows(
            database,
            """SELECT severity, array_agg(DISTINCT original_due_date - identified_on)
                 FROM observation GROUP BY 1""",
        )
    )
    assert by_severity_days == {"critical": [30], "high": [90], "medium": [180], "low": [365]}
    counts = dict(
        _rows(
            database,
            """SELECT k, count(*) FROM (
                 SELECT CASE
                   WHEN status NOT IN ('closed', 'risk_accepted', 'draft') AND due_date < :today
                        THEN 'overdue'
                   WHEN status = 'closed' AND closed_at::date > due_date THEN 'closed_late'
                   WHEN status = 'closed' THEN 'closed_on_time'
                   WHEN due_date <> original_due_date THEN 'extended'
                   ELSE status END AS k
                 FROM observation) x GROUP BY k""",
            today=TODAY,
        )
    )
    assert counts["overdue"] >= 0.03 * total
    assert counts["closed_on_time"] > counts["closed_late"] > 0.03 * total
    assert 0 < counts.get("risk_accepted", 0) < 0.06 * total
    assert 0 < counts.get("draft", 0) < 0.1 * total
    for open_status in ("open", "in_remediation", "pending_validation"):
        assert _scalar(database, "SELECT count(*) FROM observation WHERE status = :s", s=open_status)
    extended = _scalar(database, "SELECT count(*) FROM observation WHERE due_date > original_due_date")
    assert 0.03 * total < extended < 0.2 * total
    # Most findings older than two years are closed.
    old_closed = _scalar(
        database,
        """SELECT avg((status IN ('closed', 'risk_accepted'))::int) FROM observation
            WHERE identified_on < :cutoff""",
        cutoff=TODAY - timedelta(days=730),
    )
    assert old_closed > 0.75
    drafts_in_closed = _scalar(
        database,
        """SELECT count(*) FROM observation o JOIN audit_engagement e
               ON (e.tenant_id, e.id) = (o.tenant_id, o.engagement_id)
            WHERE o.status = 'draft' AND e.status = 'closed'""",
    )
    assert drafts_in_closed == 0
    # Identified during the engagement's fieldwork.
    outside = _scalar(
        database,
        """SELECT count(*) FROM observation o JOIN audit_engagement e
               ON (e.tenant_id, e.id) = (o.tenant_id, o.engagement_id)
            WHERE o.identified_on NOT BETWEEN e.planned_start AND e.planned_end""",
    )
    assert outside == 0
    texts_missing = _scalar(
        database,
        """SELECT count(*) FROM observation
            WHERE '' IN (title, criteria, condition, cause, effect, recommendation)
               OR (management_response = '') <> (status = 'draft')
               OR position('%' IN title || condition || criteria) > 0""",
    )
    assert texts_missing == 0


def test_refs_and_counter(loaded):
    database, summary = loaded
    for tenant in summary.tenants:
        refs = _rows(
            database,
            """SELECT o.ref FROM observation o JOIN tenant t ON t.id = o.tenant_id
                WHERE t.slug = :slug ORDER BY o.identified_on, o.ref""",
            slug=tenant.slug,
        )
        numbers = [int(r[4:]) for (r,) in refs]
        assert sorted(numbers) == list(range(1, tenant.observations + 1))
        assert all(len(r) == len("OBS-000123") for (r,) in refs)
        counter = _scalar(
            database,
            """SELECT c.last_value FROM tenant_counter c JOIN tenant t ON t.id = c.tenant_id
                WHERE t.slug = :slug AND c.name = 'observation'""",
            slug=tenant.slug,
        )
        assert counter == tenant.observations
    # The identity sequence continues after the demo rows (tried, then rolled back).
    with database.engine.connect() as connection:
        highest = connection.execute(text("SELECT max(id) FROM observation")).scalar_one()
        tenant_id = connection.execute(text("SELECT id FROM tenant WHERE slug = 'contoso'")).scalar()
        new_id = connection.execute(
            text(
                """INSERT INTO observation (tenant_id, ref, title, severity, identified_on)
                   VALUES (:t, 'OBS-999999', 'New finding', 'low', current_date) RETURNING id"""
            ),
            {"t": tenant_id},
        ).scalar_one()
        connection.rollback()
    assert new_id > highest


def test_repeat_lineage(loaded):
    database, summary = loaded
    total = summary.observations
    assert summary.repeats == _scalar(
        database, "SELECT count(*) FROM observation WHERE repeat_of_id IS NOT NULL"
    )
    assert 0.10 <= summary.repeats / total <= 0.20
    for tenant in summary.tenants:
        assert 0.08 <= tenant.repeats / tenant.observations <= 0.22
    depths = _rows(
        database,
        """WITH RECURSIVE chain(tenant_id, id, depth) AS (
               SELECT tenant_id, id, 0 FROM observation WHERE repeat_of_id IS NULL
               UNION ALL
               SELECT o.tenant_id, o.id, c.depth + 1 FROM observation o
                 JOIN chain c ON o.tenant_id = c.tenant_id AND o.repeat_of_id = c.id
           )
           SELECT depth, count(*) FROM chain GROUP BY depth ORDER BY depth""",
    )
    assert sum(c for _, c in depths) == total  # every finding is reachable from a root
    assert 2 <= max(d for d, _ in depths) <= 5
    wrong = _scalar(
        database,
        """SELECT count(*) FROM observation o JOIN observation r
               ON r.tenant_id = o.tenant_id AND r.id = o.repeat_of_id
            WHERE r.identified_on > o.identified_on OR r.engagement_id IS NULL
               OR (SELECT auditee FROM audit_engagement e
                    WHERE (e.tenant_id, e.id) = (o.tenant_id, o.engagement_id))
                  <> (SELECT auditee FROM audit_engagement e
                    WHERE (e.tenant_id, e.id) = (r.tenant_id, r.engagement_id))""",
    )
    assert wrong == 0
    later_engagement = _scalar(
        database,
        """SELECT avg((o.engagement_id <> r.engagement_id)::int) FROM observation o
             JOIN observation r ON r.tenant_id = o.tenant_id AND r.id = o.repeat_of_id""",
    )
    assert later_engagement > 0.6  # usually found again in a later engagement
    strictly_later = _scalar(
        database,
        """SELECT avg((o.identified_on > r.identified_on)::int) FROM observation o
             JOIN observation r ON r.tenant_id = o.tenant_id AND r.id = o.repeat_of_id""",
    )
    assert strictly_later > 0.9


def test_same_seed_same_data_and_other_seed_differs(database, create_database):
    load_demo(database.engine, seed=7, today=TODAY)
    first = _digest(database)
    with database.engine.begin() as connection:
        factories.empty_tables(
            connection,
            "audit_log, observation, engagement_member, audit_engagement, "
            "app_user, tenant_counter, tenant",
        )
    load_demo(database.engine, seed=7, today=TODAY)
    assert _digest(database) == first
    with database.engine.begin() as connection:
        factories.empty_tables(
            connection,
            "audit_log, observation, engagement_member, audit_engagement, "
            "app_user, tenant_counter, tenant",
        )
    load_demo(database.engine, seed=8, today=TODAY)
    assert _digest(database) != first


def test_second_load_is_refused_and_changes_nothing(loaded):
    database, _ = loaded
    before = _scalar(database, "SELECT count(*) FROM observation")
    with pytest.raises(DemoDataExists, match="already loaded"):
        load_demo(database.engine, today=TODAY)
    assert _scalar(database, "SELECT count(*) FROM observation") == before


def test_session_caller_owns_the_transaction(database):
    with database.sessions() as session:
        summary = load_demo(session, observations=50, today=TODAY)
        assert summary.tenants[0].observations == 50
        session.rollback()
    assert _scalar(database, "SELECT count(*) FROM tenant") == 0


def test_observations_option_scales_first_tenant_exactly(database):
    summary = load_demo(database.engine, observations=20_000, seed=3, today=TODAY)
    counts = dict(
        _rows(
            database,
            "SELECT t.slug, count(*) FROM observation o JOIN tenant t ON t.id = o.tenant_id "
            "GROUP BY 1",
        )
    )
    assert counts["northwind"] == 20_000
    assert counts["contoso"] == summary.tenants[1].observations
    assert summary.tenants[0].engagements >= 200  # engagements grow with the findings
    share = summary.tenants[0].repeats / 20_000
    assert 0.12 <= share <= 0.18
    assert _scalar(
        database,
        """SELECT c.last_value FROM tenant_counter c JOIN tenant t ON t.id = c.tenant_id
            WHERE t.slug = 'northwind'""",
    ) == 20_000


def test_bulk_path_pauses_and_restores_triggers_and_indexes(database, monkeypatch):
    import auditdesk.services.demo.bulk as demo

    index_sql = """SELECT pg_get_indexdef(indexrelid) FROM pg_index
                    WHERE indrelid = 'observation'::regclass ORDER BY 1"""
    indexes_before = _rows(database, index_sql)
    monkeypatch.setattr(demo, "BULK_THRESHOLD", 100)
    load_demo(database.engine, observations=500, today=TODAY)
    assert _rows(database, index_sql) == indexes_before  # dropped and rebuilt identically
    assert len(indexes_before) > 5
    # Triggers paused: no audit rows for the bulk tenant's observations, but enabled again.
    audited = _scalar(
        database,
        """SELECT count(*) FROM audit_log a JOIN tenant t ON t.id = a.tenant_id
            WHERE a.table_name = 'observation' AND t.slug = 'northwind'""",
    )
    assert audited == 0
    disabled = _scalar(
        database,
        """SELECT count(*) FROM pg_trigger
            WHERE tgrelid = 'observation'::regclass AND NOT tgisinternal AND tgenabled = 'D'""",
    )
    assert disabled == 0
    # The paused triggers keep the searchable words too: rebuilt for every finding.
    assert _rows(database, "SELECT tenant_id, id, identified_on, words::text FROM observation_words "
                           "ORDER BY 1, 2") == _rows(
        database, "SELECT tenant_id, id, identified_on, coalesce(search_vector, '')::text "
                  "FROM observation ORDER BY 1, 2")
    with database.engine.begin() as connection, pytest.raises(Exception, match="cycle|later"):
        connection.execute(
            text(
                """UPDATE observation SET repeat_of_id = (
                       SELECT id FROM observation c WHERE c.tenant_id = observation.tenant_id
                          AND c.repeat_of_id = observation.id LIMIT 1)
                    WHERE id = (SELECT repeat_of_id FROM observation
                                 WHERE repeat_of_id IS NOT NULL LIMIT 1)"""
            )
        )


def test_a_large_load_leaves_its_tables_compact(database, monkeypatch):
    """The loader updates every finding after inserting it; a large load rewrites the
    tables afterwards so that they are not several times the size of their rows."""
    import auditdesk.services.demo as demo_package
    import auditdesk.services.demo.bulk as demo

    monkeypatch.setattr(demo, "BULK_THRESHOLD", 100)
    monkeypatch.setattr(demo_package, "COMPACT_FROM", 1_000)
    load_demo(database.engine, observations=2_000, today=TODAY)
    stored, rows = _rows(
        database,
        "SELECT pg_relation_size('observation'), sum(pg_column_size(o.*)) FROM observation o",
    )[0]
    assert stored < 1.5 * rows, f"{stored:,} bytes stored for {rows:,} bytes of rows"


def test_cli_demo_json(database, database_url, capsys):
    code = main(["--database-url", database_url, "demo", "--observations", "300", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    payload = json.loads(captured.out)
    assert [t["slug"] for t in payload["tenants"]] == ["northwind", "contoso"]
    assert payload["tenants"][0]["observations"] == 300
    assert payload["observations"] == _scalar(database, "SELECT count(*) FROM observation")
    assert payload["repeats"] > 0 and payload["users"] > 0 and payload["engagements"] > 0
    assert payload["elapsed_seconds"] >= 0
    assert "Northwind Holdings" in captured.err  # progress on stderr

    code = main(["--database-url", database_url, "demo"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.strip().startswith("auditdesk: error: Demo data is already loaded")
    assert "Traceback" not in captured.err

    before = _scalar(database, "SELECT count(*) FROM observation")
    code = main(["--database-url", database_url, "demo", "--if-empty", "--json"])
    captured = capsys.readouterr()
    assert code == 0 and json.loads(captured.out) == {"loaded": False}
    assert _scalar(database, "SELECT count(*) FROM observation") == before


def test_cli_demo_text_and_bad_option(database, database_url, capsys):
    assert main(["demo", "--seed", "5", "--observations", "1_000", "--database-url", database_url]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "northwind" in out and "1,000 observations" in out
    # What the terminal shows (progress on stderr, the summary on stdout) says it once.
    assert (captured.err + out).count("Demo data loaded") == 1
    assert out.startswith("Demo data loaded in ")
    with pytest.raises(SystemExit):
        main(["--database-url", database_url, "demo", "--observations", "-3"])
    assert "zero or more" in capsys.readouterr().err


def test_remediation_has_something_to_show_and_obeys_the_rules(loaded):
    """Action plans (some overdue), passed and failed validations by someone other than
    the owner, accepted risks with expiries (some within 30 days), extensions."""
    database, _ = loaded
    counts = _rows(database, """
        SELECT (SELECT count(DISTINCT observation_id) FROM remediation_action),
               (SELECT count(*) FROM remediation_action
                 WHERE status IN ('planned', 'in_progress') AND due_date < :today),
               (SELECT count(*) FROM observation_validation WHERE result = 'passed'),
               (SELECT count(*) FROM observation_validation WHERE result = 'failed'),
               (SELECT count(*) FROM observation WHERE status = 'risk_accepted'
                   AND risk_accepted_until BETWEEN :today AND CAST(:today AS date) + 30),
               (SELECT count(*) FROM observation WHERE status = 'risk_accepted'
                   AND (risk_accepted_until IS NULL OR risk_acceptance_reason IS NULL
                        OR risk_accepted_until > CAST(:today AS date) + 3 * 366)),
               (SELECT count(*) FROM observation WHERE due_date > original_due_date
                   AND due_date_extension_reason IS NOT NULL)
        """, today=TODAY)[0]
    with_plans, overdue, passed, failed, expiring, bad_risks, extended = counts
    assert with_plans > 50 and overdue > 5 and passed > 10 and failed > 3
    assert expiring > 0 and bad_risks == 0 and extended > 10
    wrong = _scalar(database, """
        SELECT count(*) FROM observation_validation v
          JOIN observation o ON o.tenant_id = v.tenant_id AND o.id = v.observation_id
         WHERE v.validated_by IS NULL OR v.validated_by = o.owner_id
            OR v.validated_on > :today OR v.validated_on < o.identified_on
            OR (v.result = 'passed' AND o.status <> 'closed')""", today=TODAY)
    assert wrong == 0
    # The stored counts agree with the actions, and actions keep to their finding's dates.
    assert _scalar(database, """
        SELECT count(*) FROM observation o CROSS JOIN LATERAL (
               SELECT count(*) AS total, count(*) FILTER (WHERE a.status = 'done') AS done,
                      min(a.due_date) FILTER (WHERE a.status IN ('planned', 'in_progress')) AS due
                 FROM remediation_action a
                WHERE a.tenant_id = o.tenant_id AND a.observation_id = o.id) c
         WHERE (o.actions_total, o.actions_done, o.open_action_due_min)
               IS DISTINCT FROM (c.total::int, c.done::int, c.due)""") == 0
    assert _scalar(database, """
        SELECT count(*) FROM remediation_action a JOIN observation o
            ON o.tenant_id = a.tenant_id AND o.id = a.observation_id
         WHERE a.due_date < o.identified_on OR a.completed_on > :today""", today=TODAY) == 0
    assert _scalar(database, """
        SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'""") == 0
