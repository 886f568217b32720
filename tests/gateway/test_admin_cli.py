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


def test_keys_with_expiry_are_listed_and_the_51st_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "g.db"
    account = _run(capsys, db, "create-account", "--name", "acme")
    assert isinstance(account, dict)
    expiring = _run(capsys, db, "create-key", "--account", account["account_id"], "--expires-in", "3600")
    fixed = _run(capsys, db, "create-key", "--account", account["account_id"], "--expires-at", "1")
    assert isinstance(expiring, dict) and isinstance(fixed, dict) and fixed["expires_at"] == 1
    keys = _run(capsys, db, "list-keys", "--account", account["account_id"])
    assert isinstance(keys, list) and [(k["key_id"], k["live"]) for k in keys] == [
        (expiring["key_id"], True), (fixed["key_id"], False)]
    assert expiring["expires_at"] == keys[0]["expires_at"] and expiring["api_key"] not in json.dumps(keys)
    for _ in range(48):
        _run(capsys, db, "create-key", "--account", account["account_id"])
    assert main(["--db", str(db), "admin", "create-key", "--account", account["account_id"]]) == 1
    assert "already holds 50 keys" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--db", str(db), "admin", "create-key", "--account", account["account_id"], "--expires-in", "-1"])


def test_usage_of_an_account_is_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "g.db"
    account = _run(capsys, db, "create-account", "--name", "acme")
    assert isinstance(account, dict)
    assert _run(capsys, db, "usage", "--account", account["account_id"], "--limit", "5") == []
    assert main(["--db", str(db), "admin", "usage", "--account", "acct_nope"]) == 1
    assert "acct_nope" in capsys.readouterr().err


def test_balance_and_ledger_of_an_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "g.db"
    account = _run(capsys, db, "provision", "--name", "acme", "--credits", "2")
    assert isinstance(account, dict)
    _run(capsys, db, "top-up", "--account", account["account_id"], "--amount", "0.5")
    balance = _run(capsys, db, "balance", "--account", account["account_id"])
    assert balance == {"account_id": account["account_id"], "balance_usd": "2.5", "held_usd": "0",
                       "available_usd": "2.5"}
    ledger = _run(capsys, db, "ledger", "--account", account["account_id"])
    assert isinstance(ledger, list)
    assert [(e["kind"], e["balance_usd"]) for e in ledger] == [("top_up", "2"), ("top_up", "0.5")]
    assert main(["--db", str(db), "admin", "balance", "--account", "acct_nope"]) == 1
    assert main(["--db", str(db), "admin", "ledger", "--account", "acct_nope"]) == 1
