"""`savings serve` and `savings user add/list/disable`, registered on the ledger's typer app.

They live in `reports` because the web app imports the report renderers (and reports import
the ledger, never the reverse); `reports.cli` imports this module so the commands exist.
"""
from __future__ import annotations

import getpass
import os
import secrets
import ssl
from pathlib import Path
from typing import Annotated

import typer

from ledger import db
from ledger.cli import DbOption, app, emit_json, fail, refuse
from ledger.errors import LedgerError
from ledger.textout import table
from reports.web import auth

user_app = typer.Typer(help="Web users: add, list, disable.", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _check_tls(certfile: Path, keyfile: Path) -> None:
    """Refuse TLS files that cannot be read, or are not a PEM certificate and its private key,
    before anything starts: uvicorn would only fail on them with a traceback, after the database
    is opened."""
    for path, option in ((certfile, "--tls-cert"), (keyfile, "--tls-key")):
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            raise fail(f"{option} {path}: cannot read it ({exc.strerror or exc})", 2) from None
    try:  # an encrypted key would ask for its password on the terminal: refused instead
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(certfile, keyfile, password=lambda: b"")
    except ssl.SSLError as exc:
        why = ("the private key does not belong to the certificate" if exc.reason == "KEY_VALUES_MISMATCH"
               else "not a PEM certificate and its unencrypted private key")
        raise fail(f"--tls-cert {certfile} --tls-key {keyfile}: {why}", 2) from None


@app.command("serve")
def serve_cmd(host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
              port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
              db_url: DbOption = None,
              certfile: Annotated[Path | None, typer.Option("--tls-cert", help="TLS certificate (PEM): serve "
                                                                               "HTTPS, cookies Secure.")] = None,
              keyfile: Annotated[Path | None, typer.Option("--tls-key", help="TLS private key (PEM).")] = None,
              behind_tls: Annotated[bool, typer.Option("--behind-tls", help="A TLS proxy is in front: mark "
                                                                           "cookies Secure.")] = False,
              workers: Annotated[int, typer.Option("--workers", help="Server processes (PostgreSQL; each keeps "
                                                                     "its own figure cache).")] = 1) -> None:
    """Start the web app (uvicorn): dashboards, lines, sign-off queues, uploads, pack and workbook downloads.

    Set SAVINGS_SECRET_KEY so sessions survive a restart. Add users first with `savings user add`.

    Example: savings serve --db sqlite:///savings.db --port 8000
    """
    import uvicorn

    from reports.web.app import create_app

    if (certfile is None) != (keyfile is None):
        raise fail("give both --tls-cert and --tls-key, or neither", 2)
    if certfile and keyfile:
        _check_tls(certfile, keyfile)
    if not 1 <= port <= 65535:
        raise fail(f"--port {port}: give a port from 1 to 65535", 2)
    if workers < 1:
        raise fail(f"--workers {workers}: run 1 or more server processes", 2)
    url = db.database_url(db_url)
    if workers > 1 and url.startswith("sqlite"):
        raise fail("--workers above 1 needs PostgreSQL: SQLite takes one writer at a time", 2)
    secure = bool(certfile) or behind_tls
    try:
        web = create_app(url, secure=secure)
    except LedgerError as exc:
        raise refuse(exc) from None
    scheme = "https" if certfile else "http"
    typer.echo(f"savings-ledger web app on {scheme}://{host}:{port}/ (database {url})")
    tls = {"ssl_certfile": str(certfile) if certfile else None, "ssl_keyfile": str(keyfile) if keyfile else None}
    if workers > 1:  # each worker builds the app from the environment, with one shared session key
        os.environ.update(SAVINGS_DB=url, SAVINGS_SECURE_COOKIES="1" if secure else "0")
        os.environ.setdefault("SAVINGS_SECRET_KEY", secrets.token_urlsafe(48))
        uvicorn.run("reports.web.app:from_env", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", proxy_headers=behind_tls, **tls)
        return
    uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=behind_tls, **tls)


def _password(given: str | None) -> str:
    if given:
        return given
    if os.environ.get("SAVINGS_USER_PASSWORD"):
        return os.environ["SAVINGS_USER_PASSWORD"]
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise fail("the two passwords differ", 2)
    return first


@user_app.command("add")
def user_add_cmd(username: Annotated[str, typer.Argument(help="Login name, e.g. pat.")],
                 name: Annotated[str, typer.Option("--name", help="The person's name, as sign-offs record it.")],
                 role: Annotated[str, typer.Option("--role", help=", ".join(auth.ROLES))],
                 trust: Annotated[list[str] | None, typer.Option("--trust", help="A trust they belong to "
                                                                                 "(repeat for several).")] = None,
                 region: Annotated[str, typer.Option("--region", help="They also see every trust of this "
                                                                      "region (read only).")] = "",
                 new_trust: Annotated[bool, typer.Option("--new-trust", help="A --trust the ledger does not hold "
                                                                             "yet is new: they will upload its first "
                                                                             "register on the web.")] = False,
                 password: Annotated[str | None, typer.Option("--password", help="Default: asked for, or "
                                                                                 "$SAVINGS_USER_PASSWORD.")] = None,
                 db_url: DbOption = None) -> None:
    """Add a web user with a role and the trusts they belong to (password hashed with argon2).

    The trusts and the region must be ones the ledger holds (a trust whose first register the user
    will upload on the web with --new-trust); the name is at most 100 characters, in plain text.

    Example: savings user add pat --name "Pat Procurement" --role procurement --trust RX1
    """
    try:
        made = auth.add_user(db.open_ledger(db_url), username, name, role, _password(password), tuple(trust or ()),
                             region, new_trust)
    except LedgerError as exc:
        raise refuse(exc) from None
    where = [", ".join(made.trusts)] if made.trusts else []
    where += [f"region {made.region}"] if made.region else []
    typer.echo(f"added {made.username} ({made.display_name}, {made.role}; {'; '.join(where) or 'no trust yet'})")


@user_app.command("list")
def user_list_cmd(db_url: DbOption = None,
                  as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List web users with role, trusts, region and whether they are disabled.

    Example: savings user list
    """
    users = auth.list_users(db.open_ledger(db_url))
    if as_json:
        emit_json([{"username": u.username, "name": u.display_name, "role": u.role, "trusts": list(u.trusts),
                    "region": u.region, "disabled": u.disabled} for u in users])
        return
    typer.echo(table(["user", "name", "role", "trusts", "region", "status"],
                     [[u.username, u.display_name, u.role, " ".join(u.trusts), u.region,
                       "disabled" if u.disabled else "active"] for u in users]))


@user_app.command("disable")
def user_disable_cmd(username: Annotated[str, typer.Argument(help="The login name.")],
                     db_url: DbOption = None) -> None:
    """Disable a web user: they cannot log in, and an open session ends at their next click.

    Example: savings user disable pat
    """
    try:
        auth.set_disabled(db.open_ledger(db_url), username, True)
    except LedgerError as exc:
        raise refuse(exc) from None
    typer.echo(f"disabled {username}")
