"""Every CLI command of the foundation, including its errors, against the test database."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import factories as f
import pytest

from auditdesk.cli import main


@pytest.fixture
def cli(database, database_url, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--database-url", database_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def lineage_data(database):
    with database.sessions.begin() as s:
        t = f.tenant(s, "acme")
        a = f.actor(t)
        u = f.user(s, t.id, name="Lena Lead")
        e = f.engagement(s, a, code="ENG-2026-001", title="Treasury", lead_auditor_id=u.id)
        start = date(2025, 1, 1)
        root = f.observation(s, a, identified_on=start, engagement_id=e.id)
        child = f.observation(s, a, identified_on=start + timedelta(days=9), repeat_of_id=root.id)
        grandchild = f.observation(
            s, a, identified_on=start + timedelta(days=20), repeat_of_id=child.id
        )
        loner = f.observation(s, a, identified_on=start + timedelta(days=30))
    return t, u, root, child, grandchild, loner


def test_db_status_json(cli):
    code, out, _ = cli("db", "status", "--json")
    payload = json.loads(out)
    assert code == 0
    assert payload["up_to_date"] is True
    assert payload["current_revision"] == payload["head_revision"]
    assert payload["server_version"]


def test_db_status_masks_the_password(database_url, capsys):
    from sqlalchemy.engine import make_url

    with_password = make_url(database_url).set(password="s3cret-pw").render_as_string(
        hide_password=False
    )
    main(["db", "status", "--json", "--database-url", with_password])
    out, err = capsys.readouterr()
    assert "s3cret-pw" not in out + err


def test_db_upgrade_is_idempotent(cli):
    code, out, _ = cli("--json", "db", "upgrade")
    assert code == 0 and json.loads(out)["changed"] is False


def test_global_options_before_or_after_the_command(cli, lineage_data):
    _, _, _, child, _, _ = lineage_data
    code1, before, _ = cli("--json", "lineage", child.ref)
    code2, after, _ = cli("lineage", child.ref, "--json")
    assert code1 == code2 == 0
    assert json.loads(before) == json.loads(after)


def test_lineage_prints_the_whole_tree_from_the_root(cli, lineage_data):
    _, _, root, child, grandchild, _ = lineage_data
    code, out, _ = cli("lineage", grandchild.ref, "--json")
    tree = json.loads(out)
    assert code == 0
    assert tree["ref"] == root.ref
    assert set(tree) == {"ref", "title", "severity", "status", "identified", "repeats"}
    assert tree["repeats"][0]["ref"] == child.ref
    assert tree["repeats"][0]["repeats"][0]["ref"] == grandchild.ref
    assert tree["repeats"][0]["repeats"][0]["repeats"] == []
    code, text_out, _ = cli("lineage", grandchild.ref)
    assert root.ref in text_out and "◀" in text_out


def test_repeat_of_sets_and_clears(cli, lineage_data):
    _, _, root, _, _, loner = lineage_data
    code, out, _ = cli("observations", "repeat-of", loner.ref, root.ref, "--json")
    assert code == 0 and json.loads(out) == {"ref": loner.ref, "repeat_of": root.ref}
    code, out, _ = cli("--json", "observations", "repeat-of", loner.ref, "--clear")
    assert code == 0 and json.loads(out)["repeat_of"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("observations", "repeat-of", "{root}", "{grandchild}"), "identified later"),
        (("observations", "repeat-of", "{root}", "{root}"), "itself"),
        (("observations", "repeat-of", "{root}"), "either EARLIER_REF or --clear"),
        (("observations", "repeat-of", "OBS-999999", "{root}"), "No observation OBS-999999"),
        (("lineage", "OBS-999999"), "No observation OBS-999999"),
        (("--tenant", "nope", "lineage", "{root}"), "No tenant 'nope'"),
        (("engagements", "progress", "--user", "nobody@example.org"), "No user"),
    ],
)
def test_errors_are_one_clear_line(cli, lineage_data, args, message):
    _, _, root, _, grandchild, _ = lineage_data
    filled = [a.format(root=root.ref, grandchild=grandchild.ref) for a in args]
    code, out, err = cli(*filled)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("auditdesk: error:")
    assert message in err
    assert "Traceback" not in err


def test_engagements_progress_json(cli, lineage_data, database):
    _, lead, *_ = lineage_data
    code, out, _ = cli("engagements", "progress", "--json")
    rows = json.loads(out)
    assert code == 0
    assert rows == [
        {"code": "ENG-2026-001", "title": "Treasury", "total": 1, "open": 1, "closed": 0, "overdue": 1}
    ]
    code, out, _ = cli("engagements", "progress", "--user", lead.email, "--json")
    assert [r["code"] for r in json.loads(out)] == ["ENG-2026-001"]


def test_several_tenants_need_a_choice(cli, lineage_data, database):
    with database.sessions.begin() as s:
        f.tenant(s, "globex")
    code, _, err = cli("engagements", "progress")
    assert code == 1 and "--tenant" in err and "acme" in err and "globex" in err
    code, out, _ = cli("--tenant", "globex", "engagements", "progress", "--json")
    assert code == 0 and json.loads(out) == []


def test_unknown_server_is_one_line_and_debug_shows_traceback(tmp_path):
    url = "postgresql://nobody@127.0.0.1:1/none"
    result = subprocess.run(
        [sys.executable, "-m", "auditdesk", "--database-url", url, "db", "status"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    debug = subprocess.run(
        [sys.executable, "-m", "auditdesk", "--debug", "--database-url", url, "db", "status"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_embedded_workspace_survives_restart_and_is_shared(tmp_path_factory):
    """Two processes on one workspace share one server; data persists after both exit."""
    import tempfile
    from pathlib import Path

    workspace = Path(tempfile.mkdtemp(prefix="auditdesk-ws-")) / "ws"
    base = [sys.executable, "-m", "auditdesk", "--workspace", str(workspace)]
    first = subprocess.run(base + ["db", "upgrade", "--json"], capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["changed"] is True
    # Start a long-lived process holding the server, then run a second client on the same workspace.
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time; from auditdesk.config import DatabaseSource;"
            "from auditdesk.db.connection import open_database;"
            f"db = open_database(DatabaseSource(None, __import__('pathlib').Path({str(workspace)!r}), 'option'));"
            "print('ready', flush=True); sys.stdin.readline(); db.close()"
        )],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        second = subprocess.run(base + ["db", "status", "--json"], capture_output=True, text=True, timeout=180)
        assert second.returncode == 0, second.stderr
        assert json.loads(second.stdout)["up_to_date"] is True
        postmaster = (workspace / "pgdata" / "postmaster.pid").read_text().split()[0]
        third = subprocess.run(base + ["db", "status", "--json"], capture_output=True, text=True, timeout=180)
        assert third.returncode == 0
        assert (workspace / "pgdata" / "postmaster.pid").read_text().split()[0] == postmaster
    finally:
        holder.communicate("\n", timeout=60)
    assert not (workspace / "pgdata" / "postmaster.pid").exists()  # the last one stopped it
    again = subprocess.run(base + ["db", "status", "--json"], capture_output=True, text=True, timeout=180)
    assert json.loads(again.stdout)["current_revision"] is not None


@pytest.mark.parametrize(
    "url", ["postgresql://u:secretpw@host:port/x", "not a url at all"]
)
def test_malformed_database_url_is_one_line_without_the_password(capsys, url):
    code = main(["--database-url", url, "db", "status"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Not a valid PostgreSQL URL" in err
    assert "secretpw" not in err
