"""Evidence files attacked with raw SQL on ordinary logins: another tenant's attachments
and chunks (read, EXPLAIN, insert under a foreign finding), forging the uploader, an
auditor outside the engagement, chunks written into someone else's attachment or into a
stored one, half uploads, removal without the right, and the audit trail's rows."""

from __future__ import annotations

import hashlib

import psycopg
import pytest
from test_attack_explain import _explain

INSERT = (
    "INSERT INTO attachment (tenant_id, observation_id, file_name, content_type, size_bytes, "
    "sha256) VALUES (%s, %s, %s, 'text/plain', %s, %s) RETURNING id"
)
CHUNK = "INSERT INTO attachment_chunk (tenant_id, attachment_id, seq, data) VALUES (%s, %s, %s, %s)"


def _upload(person, tenant_id: int, observation_id: int, content: bytes = b"evidence",
            name: str = "note.txt") -> int:
    """A whole upload in one transaction, as the client does it."""
    with person.connect() as c:
        (attachment_id,) = c.execute(
            INSERT, (tenant_id, observation_id, name, len(content),
                     hashlib.sha256(content).hexdigest())
        ).fetchone()
        c.execute(CHUNK, (tenant_id, attachment_id, 0, content))
    return attachment_id


@pytest.fixture
def stored(cast):
    """One attachment in each tenant, uploaded by that tenant's manager."""
    return {
        org: _upload(getattr(cast, org).manager, getattr(cast, org).tenant.id,
                     getattr(cast, org).finding_id, b"secret minutes of " + org.encode())
        for org in ("alpha", "beta")
    }


@pytest.mark.parametrize("role", ["auditor", "manager", "admin"])
def test_another_tenants_attachments_and_chunks_are_invisible(cast, stored, role):
    person = cast.alpha.people[role]
    assert person.run("SELECT id FROM attachment") == [(stored["alpha"],)]
    assert person.run("SELECT attachment_id FROM attachment_chunk") == [(stored["alpha"],)]
    beta = cast.beta.tenant.id
    assert person.run("SELECT 1 FROM attachment_chunk WHERE tenant_id = %s", (beta,)) == []
    for sql, right, wrong in (
        ("SELECT 1 FROM attachment WHERE tenant_id = %s AND file_name = %s",
         "note.txt", "other.txt"),
        ("SELECT 1 FROM attachment_chunk WHERE tenant_id = %s AND data = %s",
         b"secret minutes of beta", b"guess"),
    ):
        on_right = _explain(person, sql, (beta, right))
        on_wrong = _explain(person, sql, (beta, wrong))
        assert on_right == on_wrong and on_right[0] == 0, (sql, on_right, on_wrong)


def test_no_upload_under_another_tenants_finding(cast, fingerprint):
    before = fingerprint()
    manager = cast.alpha.manager
    digest = hashlib.sha256(b"x").hexdigest()
    for tenant in (cast.alpha.tenant.id, cast.beta.tenant.id):
        manager.refused(INSERT, (tenant, cast.beta.finding_id, "x.txt", 1, digest))
    assert fingerprint() == before


def test_the_uploader_is_the_login_and_cannot_be_forged(cast, stored, owner_sql):
    auditor, manager = cast.alpha.auditor, cast.alpha.manager
    error = auditor.refused(
        "INSERT INTO attachment (tenant_id, observation_id, file_name, content_type, "
        "size_bytes, sha256, uploaded_by, uploaded_at) VALUES (%s, %s, 'x.txt', 'text/plain', "
        "1, %s, %s, now() - interval '1 year')",
        (cast.alpha.tenant.id, cast.alpha.finding_id, hashlib.sha256(b"x").hexdigest(),
         manager.user.id),
    )
    assert isinstance(error, psycopg.errors.InsufficientPrivilege)
    mine = _upload(auditor, cast.alpha.tenant.id, cast.alpha.finding_id)
    assert owner_sql("SELECT uploaded_by FROM attachment WHERE id = :id", {"id": mine}) == [
        (auditor.user.id,)
    ]
    (uploader,) = owner_sql("SELECT uploaded_by FROM attachment WHERE id = :id",
                            {"id": stored["alpha"]})[0]
    assert uploader == manager.user.id
    # The owner's hint names nobody for a login: it counts only from the schema owner.
    with auditor.connect() as c:
        c.execute("SELECT set_config('auditdesk.app_user_id', %s, true)", (str(manager.user.id),))
        digest = hashlib.sha256(b"y").hexdigest()
        (hinted,) = c.execute(INSERT, (cast.alpha.tenant.id, cast.alpha.finding_id, "y.txt", 1,
                                       digest)).fetchone()
        c.execute(CHUNK, (cast.alpha.tenant.id, hinted, 0, b"y"))
    assert owner_sql("SELECT uploaded_by FROM attachment WHERE id = :id", {"id": hinted}) == [
        (auditor.user.id,)
    ]


def test_an_auditor_outside_the_engagement_cannot_attach(cast, fingerprint):
    before = fingerprint()
    error = cast.alpha.auditor.refused(
        INSERT, (cast.alpha.tenant.id, cast.alpha.other_finding_id, "x.txt", 1,
                 hashlib.sha256(b"x").hexdigest()),
    )
    assert "row-level security" in str(error)
    assert fingerprint() == before


def test_chunks_go_only_into_ones_own_attachment_while_it_is_uploaded(cast, stored, fingerprint):
    alpha = cast.alpha.tenant.id
    before = fingerprint()
    # Someone else's attachment (same tenant), and another tenant's.
    cast.alpha.auditor.refused(CHUNK, (alpha, stored["alpha"], 1, b"appended"))
    cast.alpha.admin.refused(CHUNK, (cast.beta.tenant.id, stored["beta"], 1, b"appended"))
    cast.alpha.admin.refused(CHUNK, (alpha, stored["beta"], 1, b"appended"))
    # One's own, already stored: its bytes never change.
    error = cast.alpha.manager.refused(CHUNK, (alpha, stored["alpha"], 1, b"appended"))
    assert "only while their attachment is uploaded" in str(error)
    for person in (cast.alpha.manager, cast.alpha.admin):
        person.refused("UPDATE attachment_chunk SET data = 'x' WHERE attachment_id = %s",
                       (stored["alpha"],))
        person.refused("UPDATE attachment SET sha256 = repeat('0', 64), size_bytes = 1")
        person.refused("DELETE FROM attachment_chunk")
        person.refused("DELETE FROM attachment")
        person.refused("TRUNCATE attachment_chunk")
    assert fingerprint() == before


def test_a_half_or_padded_upload_never_commits(cast, fingerprint):
    manager, alpha = cast.alpha.manager, cast.alpha.tenant.id
    before = fingerprint()
    digest = hashlib.sha256(b"abcdef").hexdigest()
    for pieces in ([b"abc"], [b"abc", b"def", b"!"], [], [b"abc", None, b"def"]):
        with pytest.raises(psycopg.errors.CheckViolation, match="incomplete"), \
                manager.connect() as c:
            (attachment_id,) = c.execute(
                INSERT, (alpha, cast.alpha.finding_id, "half.txt", 6, digest)
            ).fetchone()
            for seq, piece in enumerate(pieces):
                if piece is not None:
                    c.execute(CHUNK, (alpha, attachment_id, seq, piece))
    assert fingerprint() == before


def test_removal_needs_the_uploader_or_a_manager_and_stays_in_the_tenant(cast, stored,
                                                                           fingerprint,
                                                                           owner_sql):
    alpha, beta = cast.alpha.tenant.id, cast.beta.tenant.id
    before = fingerprint()
    remove = "SELECT auditdesk_remove_attachment(%s, %s)"
    error = cast.alpha.auditor.refused(remove, (alpha, stored["alpha"]))
    assert "only its uploader, a manager or an admin" in str(error)
    # Another tenant's attachment: named under either tenant, it is simply not there.
    assert cast.alpha.admin.run(remove, (beta, stored["beta"])) == [(False,)]
    assert cast.alpha.admin.run(remove, (alpha, stored["beta"])) == [(False,)]
    assert fingerprint() == before
    own = _upload(cast.alpha.auditor, alpha, cast.alpha.finding_id)
    assert cast.alpha.auditor.run(remove, (alpha, own)) == [(True,)]
    assert cast.alpha.manager.run(remove, (alpha, stored["alpha"])) == [(True,)]
    assert owner_sql("SELECT count(*) FROM attachment_chunk WHERE tenant_id = :t",
                     {"t": alpha}) == [(0,)]


def test_nobody_deletes_or_edits_the_audit_rows_of_an_upload(cast, stored, owner_sql):
    entries = owner_sql("SELECT count(*) FROM audit_log WHERE table_name = 'attachment'")
    assert entries == [(2,)]
    for person in cast.alpha.people.values():
        person.refused("DELETE FROM audit_log WHERE table_name = 'attachment'")
        person.refused("UPDATE audit_log SET new_values = '{}' WHERE table_name = 'attachment'")
    assert owner_sql("SELECT count(*) FROM audit_log WHERE table_name = 'attachment'") == entries
    assert owner_sql("SELECT count(*) FROM audit_log WHERE table_name = 'attachment_chunk'") == [
        (0,)
    ]
