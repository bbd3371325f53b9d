"""Web app: logging in, sessions, CSRF, throttling, and `savings user` on the command line."""
from __future__ import annotations

import html
import re
from pathlib import Path

from typer.testing import CliRunner

from ledger.cli import app as cli_app
from ledger.db import open_ledger
from ledger.register.load import import_register
from reports import cli as _registers_commands  # noqa: F401  (adds serve and user to the CLI)
from reports.web import auth
from reports.web.security import Throttle
from tests.helpers_web import PASSWORD, USERS, Web, ledger
from tests.ledgers import base, write_register


def test_password_is_argon2_and_checked(tmp_path) -> None:
    engine = ledger(tmp_path)
    stored = auth.USERS
    with engine.connect() as conn:
        hashed = conn.execute(stored.select().where(stored.c.username == "pat")).first().password_hash
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert auth.authenticate(engine, "pat", PASSWORD).display_name == "Pat Procurement"
    assert auth.authenticate(engine, "pat", "wrong password here") is None
    assert auth.authenticate(engine, "nobody", PASSWORD) is None


def test_login_sets_a_hardened_session_cookie(tmp_path) -> None:
    web = Web(ledger(tmp_path))
    response = web.login("pat")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on loopback
    assert web.get("/t/RT1/lines").status_code == 200


def test_cookie_is_secure_when_served_over_tls(tmp_path) -> None:
    web = Web(ledger(tmp_path), secure=True)
    cookie = web.login("pat").headers["set-cookie"].lower()
    assert "; secure" in cookie


def test_wrong_password_says_so_without_saying_which(tmp_path) -> None:
    web = Web(ledger(tmp_path))
    response = web.login("pat", "not the password")
    assert response.status_code == 401
    assert "The username or password is wrong, or the account is disabled." in response.text
    assert web.get("/t/RT1").status_code == 303  # still logged out: sent to the login page


def test_pages_need_a_login(tmp_path) -> None:
    web = Web(ledger(tmp_path))
    response = web.get("/t/RT1/lines")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/t/RT1/lines"


def test_login_returns_to_the_address_asked_for_with_its_query(tmp_path) -> None:
    """A link to a period's dashboard, or to a line whose id holds & or /, lands there after logging in."""
    engine = ledger(tmp_path)
    for url in ("/t/RT1?period=2025-12&as_at=2025-12-15", "/t/RT1/lines/CIP%2F25%26001?fy=2025/26"):
        web = Web(engine)
        asked = web.get(url)
        assert asked.status_code == 303
        form = web.get(asked.headers["location"]).text
        sent_back = html.unescape(re.search(r'name="next" value="([^"]*)"', form).group(1))
        assert sent_back == url
        web.refresh_token("/login")
        done = web.client.post("/login", data={"username": "pat", "password": PASSWORD, "csrf_token": web.token,
                                               "next": sent_back})
        assert done.headers["location"] == url


def test_login_is_throttled_after_five_failures(tmp_path) -> None:
    now = [1000.0]
    web = Web(ledger(tmp_path), throttle=Throttle(limit=5, window=300, clock=lambda: now[0]))
    for _ in range(5):
        assert web.login("pat", "guess guess guess").status_code == 401
    refused = web.login("pat")  # even the right password waits
    assert refused.status_code == 429
    assert "Too many failed logins. Try again in 300 seconds." in refused.text
    now[0] += 301
    assert web.login("pat").status_code == 303


def test_a_form_without_its_csrf_token_is_refused(tmp_path) -> None:
    web = Web(ledger(tmp_path)).as_user("pat")
    missing = web.post("/t/RT1/new-line", {"line_id": "X1"}, csrf=False)
    assert missing.status_code == 403
    assert "security token (CSRF) is missing or out of date" in missing.text
    wrong = web.client.post("/t/RT1/new-line", data={"line_id": "X1", "csrf_token": "forged"})
    assert wrong.status_code == 403
    login = Web(ledger(tmp_path / "other")).client.post("/login", data={"username": "pat", "password": PASSWORD})
    assert login.status_code == 403


def test_a_disabled_user_is_logged_out_at_the_next_click(tmp_path) -> None:
    engine = ledger(tmp_path)
    web = Web(engine).as_user("pat")
    assert web.get("/t/RT1/lines").status_code == 200
    auth.set_disabled(engine, "pat")
    assert web.get("/t/RT1/lines").status_code == 303
    assert web.login("pat").status_code == 401


def test_logging_out_ends_the_session_for_a_copy_of_its_cookie_too(tmp_path) -> None:
    """The session cookie is signed, not stored: clearing it in the browser at logout left a copy (a
    shared machine, a proxy log) working for hours. The logout is recorded and the copy refused; the
    user's other sessions (another browser) and a new login are not affected."""
    engine = ledger(tmp_path)
    web = Web(engine).as_user("pat")
    elsewhere = Web(engine).as_user("pat")
    copied = web.client.cookies["savings_session"]

    def with_the_copy() -> Web:
        other = Web(engine)
        other.client.cookies.set("savings_session", copied)
        return other

    assert with_the_copy().get("/t/RT1/lines").status_code == 200
    assert web.post("/logout").headers["location"] == "/login"
    assert web.get("/t/RT1/lines").status_code == 303
    refused = with_the_copy().get("/t/RT1/lines")
    assert (refused.status_code, refused.headers["location"]) == (303, "/login?next=/t/RT1/lines")
    assert with_the_copy().get("/t/RT1/lines", headers={"HX-Request": "true"}).headers["hx-redirect"] == "/login"
    assert elsewhere.get("/t/RT1/lines").status_code == 200
    assert web.as_user("pat").get("/t/RT1/lines").status_code == 200
    with engine.connect() as conn:
        assert [r.username for r in conn.execute(auth.LOGOUTS.select())] == ["pat"]
    for _ in range(2):  # two tabs of one session logging out at once: the second finds the first's record
        auth.end_session(engine, "one-session", "pat")
    with engine.connect() as conn:
        assert [r.username for r in conn.execute(auth.LOGOUTS.select())] == ["pat", "pat"]


def test_user_commands_add_list_disable(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    tables = base("RX1")
    tables["Trust"][1][3] = "North"
    import_register(open_ledger(url), write_register(tmp_path / "rx1", tables))
    runner = CliRunner()
    added = runner.invoke(cli_app, ["user", "add", "pat", "--name", "Pat Procurement", "--role", "procurement",
                                    "--trust", "RX1", "--password", PASSWORD, "--db", url])
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "added pat (Pat Procurement, procurement; RX1)"
    regional = runner.invoke(cli_app, ["user", "add", "rita", "--name", "Rita North", "--role", "board",
                                       "--region", "North", "--password", PASSWORD, "--db", url])
    assert regional.output.strip() == "added rita (Rita North, board; region North)"  # not "no trust yet"
    weak = runner.invoke(cli_app, ["user", "add", "bea", "--name", "Bea", "--role", "budget_holder",
                                   "--password", "short", "--db", url])
    assert weak.exit_code == 2
    assert "the password must be at least 12 characters" in weak.output
    same_name = runner.invoke(cli_app, ["user", "add", "pat2", "--name", "pat procurement", "--role", "finance",
                                        "--password", PASSWORD, "--db", url])
    assert same_name.exit_code == 1
    assert "already used by user pat" in same_name.output
    spaced = runner.invoke(cli_app, ["user", "add", "pat3", "--name", "PatProcurement", "--role", "finance",
                                     "--password", PASSWORD, "--db", url])  # one person to R-GOV-3's sign-off rule
    assert (spaced.exit_code, "already used by user pat" in spaced.output) == (1, True)
    assert runner.invoke(cli_app, ["user", "disable", "pat", "--db", url]).exit_code == 0
    listed = runner.invoke(cli_app, ["user", "list", "--json", "--db", url])
    assert '"disabled": true' in listed.output
    assert runner.invoke(cli_app, ["user", "disable", "ghost", "--db", url]).exit_code == 1


def test_user_add_refuses_a_trust_or_region_the_ledger_does_not_hold(tmp_path) -> None:
    """A mistyped --trust or --region gave a user who sees nothing (or, later, a trust that is not
    theirs); it is refused naming what the ledger holds. A trust whose first register the user will
    upload is let through by --new-trust; a region is matched as the roll-up matches it."""
    engine = ledger(tmp_path)  # RT1 (South) and RT2 (North)
    url = str(engine.url)
    runner = CliRunner()

    def add(username: str, *options: str):
        return runner.invoke(cli_app, ["user", "add", username, "--name", f"Name of {username}", "--role", "board",
                                       "--password", PASSWORD, *options, "--db", url])

    refused = {
        ("--trust", "RT9"): "trust 'RT9' is not in the ledger (it holds: RT1, RT2); import its register first, or "
                            "add the user as one who will upload a new trust's first register on the web (savings "
                            "user add --new-trust, or New trust on the Users page)",
        ("--trust", "RT1", "--trust", "rx1", "--trust", "RX2"): "trusts 'RX1', 'RX2' are not in the ledger (it "
                                                                "holds: RT1, RT2); import their registers first",
        ("--region", "Nroth"): "region 'Nroth' is not the region of any trust in the ledger (its trusts' regions: "
                               "North, South)",
        ("--trust", "RT3", "--new-trust", "--region", "East"): "region 'East' is not the region of any trust",
    }
    for options, message in refused.items():
        result = add("zed", *options)
        assert (result.exit_code, message in " ".join(result.output.split())) == (1, True), (options, result.output)
    assert [u.username for u in auth.list_users(engine)] == sorted(USERS)  # (finding) nothing written
    assert add("nia", "--trust", "RT3", "--new-trust").output.strip() == "added nia (Name of nia, board; RT3)"
    assert add("rae", "--region", " north ").exit_code == 0  # (ok) as the regional roll-up matches it
    assert add("ted", "--trust", "rt1").output.strip() == "added ted (Name of ted, board; RT1)"
    adm = Web(engine).as_user("adm")
    form = adm.post("/admin/users", {"username": "zed", "display_name": "Zed New", "role": "finance",
                                     "trusts": "RT1 RT9", "password": PASSWORD})
    assert form.status_code == 400
    assert "trust &#39;RT9&#39; is not in the ledger (it holds: RT1, RT2)" in form.text
    new = adm.post("/admin/users", {"username": "zed", "display_name": "Zed New", "role": "finance",
                                    "trusts": "RT9", "new_trust": "true", "password": PASSWORD})
    assert new.status_code == 303
    assert [u.trusts for u in auth.list_users(engine) if u.username == "zed"] == [("RT9",)]


def test_bad_user_and_serve_options_exit_2_naming_them(tmp_path, monkeypatch) -> None:
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kw: served.append(kw))  # a server that never listens
    url = f"sqlite:///{tmp_path}/cli.db"
    cases = [
        (["user", "add", "cal", "--name", "Cal", "--role", "cfo", "--password", PASSWORD],
         "--role 'cfo' is not one of procurement, budget_holder, finance, clinical, board, auditor, admin"),
        (["user", "add", "cal", "--name", " ", "--role", "finance", "--password", PASSWORD], "--name is required"),
        (["user", "add", "cal", "--name", "C" * 101, "--role", "finance", "--password", PASSWORD],
         "--name is 101 characters long: give the person's name as sign-offs record it, in at most 100"),
        (["user", "add", "cal", "--name", "Cal\x1b[2JAdmin", "--role", "finance", "--password", PASSWORD],
         "--name holds the control character U+001B (character 4): type the person's name as plain text"),
        (["user", "add", "cal", "--name", "Cal \u202enimdA", "--role", "finance", "--password", PASSWORD],
         "--name holds U+202E RIGHT-TO-LEFT OVERRIDE (character 5)"),
        (["user", "add", "cal", "--name", "Cal\u200bAdmin", "--role", "finance", "--password", PASSWORD],
         "--name holds U+200B ZERO WIDTH SPACE (character 4)"),
        (["serve", "--workers", "0"], "--workers 0: run 1 or more server processes"),
        (["serve", "--port", "70000"], "--port 70000: give a port from 1 to 65535"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(cli_app, [*args, "--db", url])
        assert (result.exit_code, message in result.output) == (2, True), (args, result.output)
    assert served == []


def test_serve_refuses_a_tls_file_it_cannot_read_or_use_naming_the_option(tmp_path, monkeypatch) -> None:
    """uvicorn would only fail on the file with a traceback, after opening the database."""
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kw: served.append(kw))
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    cases = [
        (tmp_path / "missing.pem", tmp_path / "cert.pem",
         f"--tls-cert {tmp_path}/missing.pem: cannot read it (No such file or directory)"),
        (tmp_path / "cert.pem", tmp_path, f"--tls-key {tmp_path}: cannot read it (Is a directory)"),
    ]
    for cert, key, message in cases:
        result = CliRunner().invoke(cli_app, ["serve", "--tls-cert", str(cert), "--tls-key", str(key),
                                              "--db", f"sqlite:///{tmp_path}/cli.db"])
        assert (result.exit_code, result.output) == (2, f"{message}\n")
    cert = tmp_path / "cert.pem"
    result = CliRunner().invoke(cli_app, ["serve", "--tls-cert", str(cert), "--tls-key", str(cert),
                                          "--db", f"sqlite:///{tmp_path}/cli.db"])
    assert (result.exit_code, result.output) == (
        2, f"--tls-cert {cert} --tls-key {cert}: not a PEM certificate and its unencrypted private key\n")
    tls = Path(__file__).parent / "tls"
    result = CliRunner().invoke(cli_app, ["serve", "--tls-cert", str(tls / "cert.pem"), "--tls-key",
                                          str(tls / "other-key.pem"), "--db", f"sqlite:///{tmp_path}/cli.db"])
    assert (result.exit_code, result.output) == (
        2, f"--tls-cert {tls}/cert.pem --tls-key {tls}/other-key.pem: the private key does not belong to the "
           "certificate\n")
    assert served == []
    assert not (tmp_path / "cli.db").exists()
    result = CliRunner().invoke(cli_app, ["serve", "--tls-cert", str(tls / "cert.pem"), "--tls-key",
                                          str(tls / "key.pem"), "--db", f"sqlite:///{tmp_path}/cli.db"])
    assert result.exit_code == 0, result.output
    assert [(kw["ssl_certfile"], kw["ssl_keyfile"]) for kw in served] == [(str(tls / "cert.pem"), str(tls / "key.pem"))]


def test_an_admin_adds_and_disables_users_on_the_web(tmp_path) -> None:
    engine = ledger(tmp_path)
    adm = Web(engine).as_user("adm")
    weak = adm.post("/admin/users", {"username": "zed", "display_name": "Zed New", "role": "finance",
                                     "trusts": "RT1", "password": "short"})
    assert weak.status_code == 400
    assert "the password must be at least 12 characters" in weak.text
    added = adm.post("/admin/users", {"username": "zed", "display_name": "Zed New", "role": "finance",
                                      "trusts": "RT1 RT2", "password": PASSWORD}, follow_redirects=True)
    assert "User zed added." in added.text
    assert Web(engine).login("zed").status_code == 303
    assert adm.post("/admin/users/zed/disable").status_code == 303
    assert Web(engine).login("zed").status_code == 401
    assert [u.trusts for u in auth.list_users(engine) if u.username == "zed"] == [("RT1", "RT2")]
    assert adm.post("/admin/users/adm/disable").status_code == 400
