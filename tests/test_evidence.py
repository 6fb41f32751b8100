"""Evidence files through the services on a real PostgreSQL: upload streamed in chunks,
download verified, the bad inputs (one message each, nothing written), removal, the
audit trail, and nothing orphaned when a finding goes."""

from __future__ import annotations

import hashlib
import os

import factories as f
import pytest
from sqlalchemy import text

from auditdesk.domain.enums import Role
from auditdesk.domain.errors import AuditDeskError, NotFoundError, PermissionDenied
from auditdesk.domain.evidence import CHUNK_BYTES, MAX_FILE_BYTES, EvidenceError, UploadCancelled
from auditdesk.services import evidence
from auditdesk.services import observations as observation_service
from auditdesk.services.errors import user_message


def _counts(database) -> tuple[int, int]:
    with database.engine.connect() as c:
        return (
            c.execute(text("SELECT count(*) FROM attachment")).scalar_one(),
            c.execute(text("SELECT count(*) FROM attachment_chunk")).scalar_one(),
        )


@pytest.fixture
def finding(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        manager = f.user(s, t.id, Role.MANAGER, name="Maria Manager")
        who = f.actor(t, manager)
        o = f.observation(s, who)
    return who, o


def _file(tmp_path, name: str, size: int) -> tuple[os.PathLike, bytes]:
    content = os.urandom(size)
    path = tmp_path / name
    path.write_bytes(content)
    return path, content


def test_upload_in_chunks_then_save_as_gives_the_same_bytes(database, finding, tmp_path):
    who, o = finding
    path, content = _file(tmp_path, "bank reconciliation.pdf", 2 * CHUNK_BYTES + 17)
    seen = []
    with database.sessions.begin() as s:
        outcome = evidence.upload(s, who, o.id, path, progress=lambda d, t: seen.append((d, t)))
    stored = outcome.value
    assert outcome.changes.ids(evidence.Table.ATTACHMENT) == {stored.id}
    assert stored.size_bytes == len(content) and stored.content_type == "application/pdf"
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.uploader == "Maria Manager" and stored.uploaded_by == who.user_id
    assert seen[0] == (0, len(content)) and seen[-1] == (len(content), len(content))
    assert len(seen) == 4  # the start and one per chunk
    with database.engine.connect() as c:
        sizes = c.execute(text("SELECT octet_length(data) FROM attachment_chunk "
                               "WHERE attachment_id = :a ORDER BY seq"), {"a": stored.id}).scalars()
        assert list(sizes) == [CHUNK_BYTES, CHUNK_BYTES, 17]
    out = tmp_path / "out" / "copy.pdf"
    out.parent.mkdir()
    with database.sessions() as s:
        listed = evidence.list_for(s, who, o.id)
        assert [a.file_name for a in listed.attachments] == ["bank reconciliation.pdf"]
        assert listed.may_add
        evidence.save(s, who, stored.id, out)
        copy = evidence.temporary_copy(s, who, stored.id)
    assert out.read_bytes() == content and list(out.parent.iterdir()) == [out]
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file of the user's
    assert copy.name == "bank reconciliation.pdf" and copy.read_bytes() == content


@pytest.mark.parametrize(
    ("name", "size", "words"),
    [
        ("empty.pdf", 0, "is empty"),
        ("huge.bin", MAX_FILE_BYTES + 1, "at most 100 MB"),
        ("tab\there.pdf", 10, "control characters"),
        ("x" * 300 + ".pdf", 10, "at most 255"),  # a name given for the stored copy
    ],
)
def test_bad_files_get_one_message_and_nothing_is_written(database, finding, tmp_path, name,
                                                          size, words):
    who, o = finding
    path = tmp_path / name[:100]
    with path.open("wb") as out:
        out.truncate(size)  # sparse: a 100 MB file costs no disk
    with database.sessions.begin() as s, pytest.raises(EvidenceError) as refused:
        evidence.upload(s, who, o.id, path, file_name=name)
    assert words in str(refused.value) and "\n" not in str(refused.value)
    assert _counts(database) == (0, 0)


def test_a_name_with_a_separator_a_missing_file_and_a_folder_are_refused(database, finding,
                                                                          tmp_path):
    who, o = finding
    path, _ = _file(tmp_path, "ok.txt", 5)
    for kwargs, words in (
        ({"path": path, "file_name": "..\\evil.txt"}, "path separator"),
        ({"path": path, "file_name": "a/b.txt"}, "path separator"),
        ({"path": tmp_path / "gone.txt"}, "does not exist"),
        ({"path": tmp_path}, "is not a file"),
    ):
        with database.sessions.begin() as s, pytest.raises(EvidenceError, match=words):
            evidence.upload(s, who, o.id, **kwargs)
    assert _counts(database) == (0, 0)


def test_a_file_that_changes_or_disappears_while_uploading_leaves_nothing(database, finding,
                                                                          tmp_path):
    who, o = finding
    path, _ = _file(tmp_path, "growing.log", 3 * CHUNK_BYTES)

    def grow(done, total):
        if done == CHUNK_BYTES:
            with path.open("ab") as more:
                more.write(b"appended while uploading")

    with pytest.raises(EvidenceError, match="changed while it was being uploaded"), \
            database.sessions.begin() as s:
        evidence.upload(s, who, o.id, path, progress=grow)
    assert _counts(database) == (0, 0)

    path, _ = _file(tmp_path, "vanishing.pdf", 3 * CHUNK_BYTES)

    def vanish(done, total):
        if done == CHUNK_BYTES:
            path.unlink()

    with pytest.raises(EvidenceError, match="disappeared"), database.sessions.begin() as s:
        evidence.upload(s, who, o.id, path, progress=vanish)
    assert _counts(database) == (0, 0)


def test_cancel_writes_nothing(database, finding, tmp_path):
    who, o = finding
    path, _ = _file(tmp_path, "big.zip", 3 * CHUNK_BYTES)
    progress = []
    with pytest.raises(UploadCancelled), database.sessions.begin() as s:
        evidence.upload(s, who, o.id, path, progress=lambda d, t: progress.append(d),
                        cancelled=lambda: len(progress) > 2)
    assert _counts(database) == (0, 0)


def test_a_damaged_copy_is_an_error_and_leaves_no_output_file(database, finding, tmp_path):
    who, o = finding
    path, _ = _file(tmp_path, "photo.jpg", CHUNK_BYTES + 5)
    with database.sessions.begin() as s:
        stored = evidence.upload(s, who, o.id, path).value
    with database.engine.begin() as c:  # as the owner: flip one byte with the trigger off
        c.execute(text("ALTER TABLE attachment_chunk DISABLE TRIGGER attachment_chunk_same_upload"))
        c.execute(text("UPDATE attachment_chunk SET data = set_byte(data, 0, get_byte(data, 0) # 1) "
                       "WHERE attachment_id = :a AND seq = 1"), {"a": stored.id})
        c.execute(text("ALTER TABLE attachment_chunk ENABLE TRIGGER attachment_chunk_same_upload"))
    out = tmp_path / "saved" / "photo.jpg"
    out.parent.mkdir()
    with database.sessions() as s, pytest.raises(EvidenceError, match="does not match its checksum"):
        evidence.save(s, who, stored.id, out)
    assert list(out.parent.iterdir()) == []


def test_removal_is_audited_without_the_bytes_and_twice_is_a_message(database, finding, tmp_path):
    who, o = finding
    path, _ = _file(tmp_path, "minutes.docx", 100)
    with database.sessions.begin() as s:
        stored = evidence.upload(s, who, o.id, path).value
    with database.sessions.begin() as s:
        outcome = evidence.remove(s, who, stored.id)
    assert outcome.changes.ids(evidence.Table.ATTACHMENT) == {stored.id}
    assert _counts(database) == (0, 0)
    with database.sessions.begin() as s, pytest.raises(NotFoundError, match="already removed"):
        evidence.remove(s, who, stored.id)
    with database.engine.connect() as c:
        trail = c.execute(text(
            "SELECT table_name, action, coalesce(new_values, old_values) ->> 'file_name', "
            "app_user_id FROM audit_log WHERE table_name LIKE 'attachment%' ORDER BY id"
        )).all()
        assert trail == [("attachment", "insert", "minutes.docx", who.user_id),
                         ("attachment", "delete", "minutes.docx", who.user_id)]
        assert c.execute(text("SELECT count(*) FROM audit_log WHERE "
                              "new_values ? 'data' OR old_values ? 'data'")).scalar_one() == 0


def test_an_auditor_may_remove_only_their_own_upload(database, finding, tmp_path):
    manager, o = finding
    with database.sessions.begin() as s:
        u = f.user(s, manager.tenant_id, Role.AUDITOR, name="Ann Auditor")
        mine = f.observation(s, manager)  # no engagement, unowned: every auditor may edit
    ann = manager.__class__(manager.tenant_id, u.id, u.role, u.display_name)
    path, _ = _file(tmp_path, "a.txt", 10)
    with database.sessions.begin() as s:
        by_manager = evidence.upload(s, manager, mine.id, path).value
        by_ann = evidence.upload(s, ann, mine.id, path).value
    with database.sessions.begin() as s, pytest.raises(PermissionDenied, match="uploaded it"):
        evidence.remove(s, ann, by_manager.id)
    with database.sessions.begin() as s:
        evidence.remove(s, ann, by_ann.id)
    assert _counts(database) == (1, 1)


def test_deleting_the_finding_leaves_nothing_orphaned(database, finding, tmp_path):
    who, o = finding
    path, _ = _file(tmp_path, "evidence.png", 2 * CHUNK_BYTES + 1)
    with database.sessions.begin() as s:
        evidence.upload(s, who, o.id, path)
        evidence.upload(s, who, o.id, path, file_name="second copy.png")
    assert _counts(database) == (2, 6)
    with database.sessions.begin() as s:
        observation_service.delete(s, who, o.id)
    assert _counts(database) == (0, 0)
    with database.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM audit_log WHERE table_name = 'attachment' "
                              "AND action = 'delete'")).scalar_one() == 2


def test_uploading_to_a_finding_deleted_meanwhile_says_so(database, finding, tmp_path):
    who, o = finding
    path, _ = _file(tmp_path, "late.pdf", 10)
    with database.sessions.begin() as s:
        observation_service.delete(s, who, o.id)
    with database.sessions.begin() as s, pytest.raises(NotFoundError) as refused:
        evidence.upload(s, who, o.id, path)
    assert "deleted" in user_message(refused.value)
    assert _counts(database) == (0, 0)


def test_the_database_refuses_an_incomplete_upload_with_its_message(database, finding):
    who, o = finding
    from auditdesk.data import attachments as data

    with pytest.raises(AuditDeskError) as refused, database.sessions.begin() as s:
        attachment = data.insert_attachment(s, who, o.id, "half.pdf", "application/pdf",
                                            2 * CHUNK_BYTES, "0" * 64)
        data.insert_chunk(s, who.tenant_id, attachment, 0, b"x" * CHUNK_BYTES)
        data.check_complete(s)
    assert "upload is incomplete" in user_message(refused.value)
    assert _counts(database) == (0, 0)


def test_chunks_are_stored_out_of_line_uncompressed(database):
    with database.engine.connect() as c:
        storage = c.execute(text(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'attachment_chunk'::regclass "
            "AND attname = 'data'")).scalar_one()
        large_objects = c.execute(text("SELECT count(*) FROM pg_largeobject_metadata")).scalar_one()
    assert storage == "e"  # EXTERNAL
    assert large_objects == 0  # nothing of a file ever goes into large objects


def _action(database, tenant_id: int, observation_id: int) -> int:
    with database.engine.begin() as c:
        return c.execute(text(
            "INSERT INTO remediation_action (tenant_id, observation_id, title, due_date) "
            "VALUES (:t, :o, 'Re-perform the reconciliation', current_date + 400) RETURNING id"
        ), {"t": tenant_id, "o": observation_id}).scalar_one()


def test_evidence_of_an_action_stays_with_the_finding_when_the_action_goes(database, finding,
                                                                          tmp_path):
    who, o = finding
    action = _action(database, who.tenant_id, o.id)
    path, _ = _file(tmp_path, "re-performed reconciliation.xlsx", 300)
    with database.sessions.begin() as s:
        stored = evidence.upload(s, who, o.id, path, action_id=action).value
    assert stored.action_id == action
    with database.engine.begin() as c:
        c.execute(text("DELETE FROM remediation_action WHERE id = :a"), {"a": action})
    with database.sessions() as s:
        (kept,) = evidence.list_for(s, who, o.id).attachments
    assert kept.id == stored.id and kept.action_id is None
    assert _counts(database) == (1, 1)


def test_an_action_of_another_finding_is_refused(database, finding, tmp_path):
    who, o = finding
    with database.sessions.begin() as s:
        other = f.observation(s, who)
    action = _action(database, who.tenant_id, other.id)
    path, _ = _file(tmp_path, "proof.pdf", 30)
    with pytest.raises(AuditDeskError) as refused, database.sessions.begin() as s:
        evidence.upload(s, who, o.id, path, action_id=action)
    assert "is not one of this finding's actions" in user_message(refused.value)
    assert _counts(database) == (0, 0)
