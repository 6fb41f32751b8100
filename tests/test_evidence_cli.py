"""The evidence-file commands: attach, list, save to --out (checksum verified), detach,
and their errors on one line."""

from __future__ import annotations

import json

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
        return f.observation(s, f.actor(t))


def test_attach_list_save_and_detach(cli, finding, tmp_path):
    source = tmp_path / "walkthrough notes.pdf"
    source.write_bytes(b"%PDF-1.4 evidence" * 1000)
    code, out, _ = cli("observations", "attach", finding.ref, str(source))
    assert code == 0 and "stored walkthrough notes.pdf (16.6 KB" in out
    code, out, _ = cli("observations", "attachments", finding.ref, "--json")
    (listed,) = json.loads(out)
    assert listed["file_name"] == "walkthrough notes.pdf" and listed["size_bytes"] == 17000
    folder = tmp_path / "out"
    folder.mkdir()
    code, out, _ = cli("observations", "attachment", finding.ref, "walkthrough notes.pdf",
                       "--out", str(folder))
    assert code == 0 and "checksum verified" in out
    assert (folder / "walkthrough notes.pdf").read_bytes() == source.read_bytes()
    cli("observations", "attach", finding.ref, str(source))
    code, _, err = cli("observations", "attachment", finding.ref, "walkthrough notes.pdf",
                       "--out", str(tmp_path / "x.pdf"))
    assert code != 0 and "2 files named walkthrough notes.pdf; choose one with --id" in err
    code, out, _ = cli("observations", "detach", finding.ref, "walkthrough notes.pdf", "--id",
                       str(listed["id"]))
    assert code == 0 and "removed walkthrough notes.pdf" in out
    code, out, _ = cli("observations", "attachments", finding.ref, "--json")
    assert len(json.loads(out)) == 1


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"", "is empty"), (None, "does not exist")],
)
def test_attach_errors_are_one_line(cli, finding, tmp_path, content, words):
    source = tmp_path / "file.txt"
    if content is not None:
        source.write_bytes(content)
    code, out, err = cli("observations", "attach", finding.ref, str(source))
    assert code != 0 and words in err and len(err.strip().splitlines()) == 1
    code, out, _ = cli("observations", "attachments", finding.ref)
    assert "has no evidence files" in out
