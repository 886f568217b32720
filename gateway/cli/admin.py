"""``python -m gateway admin``: accounts, keys and credits in the gateway's store. Output is JSON.

    create-account --name N [--credits USD]      a new account
    create-key --account ID [--label L] [--expires-in S | --expires-at UNIX]
                                                 a new key (shown once; only its digest is stored), refused
                                                 when the account holds 50 unrevoked keys (D-201); optionally
                                                 expiring S seconds from now or at a Unix time (D-200)
    list-keys --account ID                       the account's keys: label, created, expiry, revoked
    provision --name N [--credits USD]           an account and one key, in one step
    top-up --account ID --amount USD             add credits
    revoke-key --key ID                          revoke a key
    set-limits --account ID [--rpm N] [--tpm N] [--window S]
                                                 per-account rate limits: requests and tokens per window of S
                                                 seconds (defaults 50, 2,000,000, 60; D-142)
    list-accounts                                accounts with balances and keys
    usage --account ID [--limit N]               the account's usage log, newest first (D-203)
    balance --account ID                         the account's balance, what its open holds keep, and what is
                                                 available (D-180)
    ledger --account ID                          the account's ledger, oldest first: every top-up, hold, release
                                                 and debit; it sums to the balance (D-182)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.config import Settings
from gateway.routes.usage import entry_json
from gateway.security import digest, new_key
from gateway.store import AccountStore, ApiKey, StoreError, nano_to_usd, usd_to_nano
from gateway.store.backend import build_stores
from gateway.store.usage import MAX_PAGE

__all__ = ["add_parser", "run"]


def _usd(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not an amount in USD: {text!r}") from exc
    if value < 0:
        raise argparse.ArgumentTypeError("amounts are not negative")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from exc
    if not value > 0:
        raise argparse.ArgumentTypeError("a window is a positive number of seconds")
    return value


def _unix(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a Unix time in seconds: {text!r}") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError("a Unix time is positive")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise argparse.ArgumentTypeError(f"a count from 1 to {MAX_PAGE}")
    return int(text)


def add_parser(sub: Any) -> None:
    admin = sub.add_parser("admin", help="manage accounts, keys and credits")
    commands = admin.add_subparsers(dest="admin_command", required=True)
    p = commands.add_parser("create-account")
    p.add_argument("--name", required=True)
    p.add_argument("--credits", type=_usd, default=Decimal(0))
    p = commands.add_parser("create-key")
    p.add_argument("--account", required=True)
    p.add_argument("--label", default="")
    expiry = p.add_mutually_exclusive_group()
    expiry.add_argument("--expires-in", type=_seconds, help="seconds from now after which the key is refused")
    expiry.add_argument("--expires-at", type=_unix, help="Unix time from which the key is refused")
    p = commands.add_parser("list-keys")
    p.add_argument("--account", required=True)
    p = commands.add_parser("provision")
    p.add_argument("--name", required=True)
    p.add_argument("--credits", type=_usd, default=Decimal(0))
    p.add_argument("--label", default="")
    p = commands.add_parser("top-up")
    p.add_argument("--account", required=True)
    p.add_argument("--amount", type=_usd, required=True)
    p = commands.add_parser("revoke-key")
    p.add_argument("--key", required=True)
    p = commands.add_parser("set-limits")
    p.add_argument("--account", required=True)
    p.add_argument("--rpm", type=int)
    p.add_argument("--tpm", type=int)
    p.add_argument("--window", type=_seconds, help="seconds of the rolling window (default 60)")
    commands.add_parser("list-accounts")
    p = commands.add_parser("usage")
    p.add_argument("--account", required=True)
    p.add_argument("--limit", type=_count, default=20)
    p = commands.add_parser("balance")
    p.add_argument("--account", required=True)
    p = commands.add_parser("ledger")
    p.add_argument("--account", required=True)


async def _create_key(store: AccountStore, account_id: str, label: str,
                      expires_at: int | None = None) -> dict[str, Any]:
    key = new_key()
    record = await store.add_key(account_id, digest(key, store.pepper()), label, expires_at=expires_at)
    return {"account_id": account_id, "key_id": record.id, "api_key": key, "expires_at": record.expires_at}


def _key_json(key: ApiKey) -> dict[str, Any]:
    return {"key_id": key.id, "label": key.label, "created_at": key.created_at, "expires_at": key.expires_at,
            "revoked_at": key.revoked_at, "live": key.live(time.time())}


def _expiry(args: argparse.Namespace) -> int | None:
    expires_in: float | None = args.expires_in
    expires_at: int | None = args.expires_at
    return math.ceil(time.time() + expires_in) if expires_in is not None else expires_at


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    stores = build_stores(settings)
    await stores.open()
    store = stores.accounts
    try:
        out: Any
        match args.admin_command:
            case "create-account":
                account = await store.create_account(args.name, usd_to_nano(args.credits))
                out = {"account_id": account.id, "balance_usd": str(nano_to_usd(account.balance_nano))}
            case "create-key":
                out = await _create_key(store, args.account, args.label, _expiry(args))
            case "list-keys":
                if await store.get_account(args.account) is None:
                    raise StoreError(f"no account {args.account}")
                out = [_key_json(k) for k in await store.list_keys(args.account)]
            case "usage":
                if await store.get_account(args.account) is None:
                    raise StoreError(f"no account {args.account}")
                page = await stores.usage.page(args.account, args.limit)
                out = [entry_json(e) for e in (page[0] if page else [])]
            case "balance":
                found = await store.get_account(args.account)
                if found is None:
                    raise StoreError(f"no account {args.account}")
                held = await store.held(found.id)
                out = {"account_id": found.id, "balance_usd": str(nano_to_usd(found.balance_nano)),
                       "held_usd": str(nano_to_usd(held)),
                       "available_usd": str(nano_to_usd(max(found.balance_nano - held, 0)))}
            case "ledger":
                if await store.get_account(args.account) is None:
                    raise StoreError(f"no account {args.account}")
                out = [{"seq": e.seq, "kind": e.kind, "balance_usd": str(nano_to_usd(e.balance_nano)),
                        "held_usd": str(nano_to_usd(e.held_nano)), "request_id": e.request_id,
                        "created_at": e.created_at} for e in await store.ledger(args.account)]
            case "provision":
                account = await store.create_account(args.name, usd_to_nano(args.credits))
                out = await _create_key(store, account.id, args.label)
            case "top-up":
                account = await store.top_up(args.account, usd_to_nano(args.amount))
                out = {"account_id": account.id, "balance_usd": str(nano_to_usd(account.balance_nano))}
            case "set-limits":
                account = await store.set_limits(args.account, rpm=args.rpm, tpm=args.tpm, window=args.window)
                out = {"account_id": account.id, "rpm": account.rpm, "tpm": account.tpm, "window": account.window}
            case "revoke-key":
                key = await store.revoke_key(args.key)
                out = {"key_id": key.id, "revoked_at": key.revoked_at}
            case _:
                out = [
                    {
                        "account_id": a.id,
                        "name": a.name,
                        "balance_usd": str(nano_to_usd(a.balance_nano)),
                        "rpm": a.rpm,
                        "tpm": a.tpm,
                        "window": a.window,
                        "keys": [{"key_id": k.id, "label": k.label, "revoked": k.revoked_at is not None,
                                  "expires_at": k.expires_at} for k in await store.list_keys(a.id)],
                    }
                    for a in await store.list_accounts()
                ]
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        await stores.close()
    print(json.dumps(out, indent=2))
    return 0
