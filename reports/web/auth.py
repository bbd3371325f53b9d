"""Web users: argon2 password hashes, roles, and which trusts each user may see.

A user belongs to trusts (memberships) and may also carry a region, which lets them see every
trust of that region; an admin sees every trust. The role decides what a user may do (the
`CAN` table); the ledger's own rules (R-GOV-3 segregation, closed periods, the status machine)
are still checked by the library functions the pages call, so a page never decides those.

A session is a signed cookie holding the username and a random session id. Logging out records
the id (`end_session`), and `session_user` refuses it from then on, so a copy of the cookie taken
before the logout is worthless too.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ledger import models
from ledger.engine.eligibility import person_key
from ledger.errors import LedgerError, OptionError
from ledger.register.parse import id_unfit, named_char

USERS = models.WebUser.__table__
MEMBERS = models.WebMembership.__table__
TRUSTS = models.Trust.__table__
LOGOUTS = models.WebLogout.__table__
SESSION_HOURS = 8  # a session cookie not used for this long is refused (its signature's age)
ROLES = ("procurement", "budget_holder", "finance", "clinical", "board", "auditor", "admin")
SIGNING_ROLES = ("procurement", "budget_holder", "finance", "clinical")  # the ledger's sign-off roles
CAN: dict[str, tuple[str, ...]] = {  # action -> roles allowed (the ledger still checks its own rules)
    "edit_lines": ("procurement",),
    "upload_register": ("procurement",),
    "add_actuals": ("procurement",),
    "add_evidence": ("procurement", "budget_holder", "finance", "clinical"),
    "advance": ("procurement", "budget_holder", "finance", "clinical"),
    "sign_off": ("budget_holder", "finance", "clinical", "procurement"),
    "add_budget": ("finance",),
    "reverse": ("finance",),
    "close_period": ("finance",),
    "manage_users": ("admin",),
}
WHY = {
    "edit_lines": "only procurement users create and edit saving lines",
    "upload_register": "only procurement users upload registers",
    "add_actuals": "only procurement users record actuals",
    "add_evidence": "board, auditor and admin users can look but not attach evidence",
    "advance": "board, auditor and admin users can look but not move a line",
    "sign_off": "only budget holders, finance, clinical and procurement users sign lines off",
    "add_budget": "only finance users record budget removals",
    "reverse": "only finance users reverse a line",
    "close_period": "only finance users close a period",
    "manage_users": "only admin users manage users",
}
MIN_PASSWORD = 12
MAX_NAME = 100  # characters of a display name: a person's name, as sign-offs and the audit trail record it
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    """A logged-in user as the pages see them."""

    username: str
    display_name: str
    role: str
    region: str
    trusts: tuple[str, ...]
    disabled: bool = False

    def can(self, action: str) -> bool:
        return self.role in CAN[action]

    def may(self, action: str, trust: str) -> bool:
        """`can`, in a trust the user belongs to (one seen only through their region is read only)."""
        return self.can(action) and trust in self.trusts

    @property
    def read_only(self) -> bool:
        return self.role in ("board", "auditor", "admin")


def hash_password(password: str) -> str:
    """An argon2id hash (salted; parameters inside the hash)."""
    return _hasher.hash(password)


def check_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(engine: Engine, username: str, display_name: str, role: str, password: str,
             trusts: tuple[str, ...] = (), region: str = "", new_trust: bool = False) -> User:
    """Create a user, refusing a taken username or display name, a display name too long or holding
    control characters, a weak password, an unknown role, and a trust or region the ledger does not
    hold (`new_trust` lets through trusts with no register yet, whose first one the user uploads)."""
    username = username.strip().lower()
    display_name = display_name.strip()
    if not _NAME.match(username):
        raise OptionError(f"username {username!r}: use 2-63 letters, digits, dots, dashes or underscores")
    if role not in ROLES:
        raise OptionError(f"--role {role!r} is not one of {', '.join(ROLES)}")
    if not display_name:
        raise OptionError("--name is required: the person's name as sign-offs record it")
    if (odd := id_unfit(display_name)) is not None:  # what an id cannot hold: controls, invisible marks, odd spaces
        raise OptionError(f"--name holds {named_char(odd)} (character {display_name.index(odd) + 1}): type the "
                          "person's name as plain text")
    if len(display_name) > MAX_NAME:
        raise OptionError(f"--name is {len(display_name)} characters long: give the person's name as sign-offs "
                          f"record it, in at most {MAX_NAME}")
    if len(password) < MIN_PASSWORD:
        raise OptionError(f"the password must be at least {MIN_PASSWORD} characters")
    trusts = tuple(sorted({t.strip().upper() for t in trusts if t.strip()}))
    with engine.begin() as conn:
        _refuse_unknown_places(conn, trusts, region.strip(), new_trust)
        if conn.execute(select(USERS.c.username).where(USERS.c.username == username)).first():
            raise LedgerError(f"user {username} already exists")
        names = conn.execute(select(USERS.c.username, USERS.c.display_name)).all()  # R-GOV-3 tells people apart so
        if (taken := next((u for u, name in names if person_key(name) == person_key(display_name)), None)):
            raise LedgerError(f"the name {display_name!r} is already used by user {taken}: sign-offs are recorded "
                              "by name, so each person needs their own")
        conn.execute(USERS.insert(), [{"username": username, "display_name": display_name,
                                       "password_hash": hash_password(password), "role": role,
                                       "region": region.strip(), "disabled": False,
                                       "created_at": datetime.now(UTC)}])
        if trusts:
            conn.execute(MEMBERS.insert(), [{"username": username, "trust": t} for t in trusts])
    return User(username, display_name, role, region.strip(), trusts)


def _refuse_unknown_places(conn: Connection, trusts: tuple[str, ...], region: str, new_trust: bool) -> None:
    """A LedgerError naming what the ledger holds when a trust (unless `new_trust`) or the region is
    none of its own: a mistyped code would give a user who sees nothing, or the wrong trust later."""
    held = {row.org_code: (row.region or "").strip() for row in conn.execute(select(TRUSTS.c.org_code,
                                                                                  TRUSTS.c.region))}
    unknown = [code for code in trusts if code not in held]
    if unknown and not new_trust:
        many = len(unknown) > 1
        raise LedgerError(f"trust{'s' if many else ''} {', '.join(repr(c) for c in unknown)} "
                          f"{'are' if many else 'is'} not in the ledger (it holds: {', '.join(sorted(held)) or 'none'})"
                          f"; import {'their registers' if many else 'its register'} first, or add the user as "
                          "one who will upload a new trust's first register on the web (savings user add "
                          "--new-trust, or New trust on the Users page)")
    regions = sorted({r for r in held.values() if r}, key=str.casefold)
    if region and region.casefold() not in {r.casefold() for r in regions}:
        raise LedgerError(f"region {region!r} is not the region of any trust in the ledger (its trusts' regions: "
                          f"{', '.join(regions) or 'none'})")


def set_disabled(engine: Engine, username: str, disabled: bool = True) -> None:
    """Disable (or enable) a user: a disabled user cannot log in and their sessions end."""
    with engine.begin() as conn:
        done = conn.execute(update(USERS).where(USERS.c.username == username.strip().lower())
                            .values(disabled=disabled)).rowcount
    if not done:
        raise LedgerError(f"no user {username}")


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        members: dict[str, list[str]] = {}
        for row in conn.execute(select(MEMBERS).order_by(MEMBERS.c.trust)):
            members.setdefault(row.username, []).append(row.trust)
        return [User(r.username, r.display_name, r.role, r.region, tuple(members.get(r.username, ())), r.disabled)
                for r in conn.execute(select(USERS).order_by(USERS.c.username))]


def get_user(engine: Engine, username: str) -> User | None:
    """The user, or None when unknown or disabled."""
    with engine.connect() as conn:
        return _user(conn, username)


def _user(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
    if row is None or row.disabled:
        return None
    trusts = tuple(conn.execute(select(MEMBERS.c.trust).where(MEMBERS.c.username == username)
                                .order_by(MEMBERS.c.trust)).scalars())
    return User(row.username, row.display_name, row.role, row.region, trusts)


def new_session_id() -> str:
    """A random id for a session begun by logging in (kept in its signed cookie)."""
    return secrets.token_urlsafe(32)


def session_user(engine: Engine, username: str, session_id: str) -> User | None:
    """The user of a session, or None when the user is unknown or disabled or the session logged out."""
    with engine.connect() as conn:
        ended = conn.execute(select(LOGOUTS.c.session_id).where(LOGOUTS.c.session_id == session_id)).first()
        return None if ended is not None else _user(conn, username)


def end_session(engine: Engine, session_id: str, username: str, now: datetime | None = None) -> None:
    """Record that a session logged out, so its cookie and every copy of it are refused from now on.

    The record is kept: a response may sign a copied cookie afresh (Starlette signs again a session
    it changed), so no age tells when a copy could no longer be used. One short row a logout.
    """
    try:
        with engine.begin() as conn:
            conn.execute(LOGOUTS.insert(), [{"session_id": session_id, "username": username,
                                             "logged_out_at": now or datetime.now(UTC)}])
    except IntegrityError:  # logged out already (a second tab, a double click): the first record stands
        pass


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The user when the password is right and the account enabled; otherwise None (no reason given)."""
    username = username.strip().lower()
    with engine.connect() as conn:
        row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
    if row is None:
        _hasher.hash(password)  # same work either way, so timing does not tell which usernames exist
        return None
    if not check_password(row.password_hash, password) or row.disabled:
        return None
    return get_user(engine, username)


def visible_trusts(engine: Engine, user: User) -> list[dict]:
    """The trusts a user may see, with name and region: memberships, their region's, or all (admin).

    A membership of a trust with no register yet is listed too (so its first register can be uploaded).
    """
    with engine.connect() as conn:
        rows = {r.org_code: dict(r._mapping) for r in conn.execute(select(TRUSTS).order_by(TRUSTS.c.org_code))}
    region = user.region.strip().casefold()  # matched as the regional roll-up matches it
    seen = {}
    for code, row in rows.items():
        if user.role == "admin" or code in user.trusts or (region and (row["region"] or "").strip().casefold()
                                                            == region):
            seen[code] = row
    for code in user.trusts:
        seen.setdefault(code, {"org_code": code, "name": "(no register imported yet)", "region": "",
                               "trust_type": ""})
    return [seen[c] for c in sorted(seen)]


def may_see(engine: Engine, user: User, trust: str) -> bool:
    return any(t["org_code"] == trust for t in visible_trusts(engine, user))
