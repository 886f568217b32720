import json
from pathlib import Path

import pytest

from gateway.__main__ import main


def _run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> object:
    assert main(["--db", str(db), "admin", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_provision_top_up_revoke_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "g.db"
    created = _run(capsys, db, "provision", "--name", "acme", "--credits", "12.5")
    assert isinstance(created, dict) and created["api_key"].startswith("sk-empiriolabs-")
    topped = _run(capsys, db, "top-up", "--account", created["account_id"], "--amount", "2.5")
    assert isinstance(topped, dict) and topped["balance_usd"] == "15"
    _run(capsys, db, "revoke-key", "--key", created["key_id"])
    listing = _run(capsys, db, "list-accounts")
    assert isinstance(listing, list) and listing[0]["keys"][0]["revoked"] is True
    assert created["api_key"] not in json.dumps(listing)


def test_unknown_account_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(tmp_path / "g.db"), "admin", "top-up", "--account", "acct_nope", "--amount", "1"]) == 1
    assert "acct_nope" in capsys.readouterr().err
