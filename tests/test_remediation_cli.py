"""The remediation commands: observations actions / add-action / update-action /
validate / accept-risk / extend-due and tenant due-policy, with their refusals in words."""

from __future__ import annotations

import json
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
def finding(database):
    with database.sessions.begin() as s:
        t = f.tenant(s, "acme")
        owner = f.user(s, t.id, name="Omar Owner")
        o = f.observation(s, f.actor(t), status="in_remediation", owner_id=owner.id,
                          identified_on=date.today() - timedelta(days=40))
    return t, owner, o


def test_an_action_plan_through_the_cli(cli, finding):
    t, owner, o = finding
    due = (date.today() + timedelta(days=20)).isoformat()
    code, out, err = cli("observations", "add-action", o.ref, "--title", "Rewrite the matrix",
                         "--owner", owner.email, "--due", due, "--json")
    assert code == 0, err
    added = json.loads(out)
    assert added["status"] == "planned" and added["owner"] == "Omar Owner"
    code, out, err = cli("observations", "update-action", o.ref, str(added["id"]),
                         "--percent", "100")
    assert code != 0 and "mark the action done" in err
    code, out, err = cli("observations", "update-action", o.ref, str(added["id"]),
                         "--status", "done", "--percent", "100")
    assert code == 0, err
    code, out, _ = cli("observations", "actions", o.ref)
    assert "Done" in out and "Rewrite the matrix" in out
    code, _, err = cli("observations", "add-action", o.ref, "--title", "Too early",
                       "--owner", owner.email, "--due", (date.today() - timedelta(days=90)).isoformat())
    assert code != 0 and "before the finding was identified" in err


def test_validate_accept_risk_and_extend_through_the_cli(cli, database, finding):
    t, owner, o = finding
    with database.sessions.begin() as s:
        f.walk(s, f.actor(t), o.id, "pending_validation")
    code, out, err = cli("observations", "validate", o.ref, "--result", "failed")
    assert code != 0 and "say what is still wrong" in err
    code, out, err = cli("observations", "validate", o.ref, "--result", "failed",
                         "--notes", "Approvals still missing")
    assert code == 0 and "in remediation" in out, err
    later = (o.due_date + timedelta(days=30)).isoformat()
    code, _, err = cli("observations", "extend-due", o.ref, "--due", later)
    assert code != 0 and "moves later" in err
    code, out, err = cli("observations", "extend-due", o.ref, "--due", later,
                         "--reason", "Vendor delay", "--json")
    assert code == 0, err
    assert json.loads(out)["original_due_date"] == o.due_date.isoformat()
    too_far = (date.today() + timedelta(days=4 * 365)).isoformat()
    code, _, err = cli("observations", "accept-risk", o.ref, "--until", too_far,
                       "--reason", "Cheap")
    assert code != 0 and "three years ahead" in err
    until = (date.today() + timedelta(days=200)).isoformat()
    code, out, err = cli("observations", "accept-risk", o.ref, "--until", until,
                         "--reason", "Compensating monthly review")
    assert code == 0 and until in out, err


def test_the_due_policy_through_the_cli(cli, finding):
    code, out, _ = cli("tenant", "due-policy", "--json")
    assert code == 0 and json.loads(out) == {"critical": 30, "high": 90, "medium": 180, "low": 365}
    code, out, err = cli("tenant", "due-policy", "--set", "high=60", "--set", "low=300", "--json")
    assert code == 0, err
    assert json.loads(out)["high"] == 60 and json.loads(out)["low"] == 300
    code, _, err = cli("tenant", "due-policy", "--set", "urgent=5")
    assert code != 0 and "is not a severity" in err
    code, _, err = cli("tenant", "due-policy", "--set", "high")
    assert code != 0 and "SEVERITY=DAYS" in err
