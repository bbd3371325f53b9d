"""Opening a ledger: a new or older database is migrated to the newest schema; a current one is
opened without loading Alembic (the commands' start-up)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from ledger.db import HEAD_REVISION, alembic_config, make_engine, open_ledger, stored_revision


def test_head_revision_is_the_newest_migration(tmp_path):
    """Adding a migration without moving HEAD_REVISION would leave databases unmigrated: this fails first."""
    cfg = alembic_config(make_engine(f"sqlite:///{tmp_path}/l.db"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_a_new_database_gets_every_table(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/l.db")
    assert stored_revision(engine) is None
    open_ledger(f"sqlite:///{tmp_path}/l.db")
    assert stored_revision(engine) == HEAD_REVISION
    assert {"savingline", "auditevent", "webuser", "weblogout"} <= set(inspect(engine).get_table_names())


def test_a_database_one_migration_behind_is_brought_up_to_date(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0003")
    assert "webuser" not in inspect(engine).get_table_names()
    open_ledger(url)
    assert stored_revision(engine) == HEAD_REVISION
    assert "webuser" in inspect(make_engine(url)).get_table_names()


def test_a_current_database_opens_without_loading_alembic(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    open_ledger(url)
    code = ("import sys; from ledger.db import open_ledger; open_ledger(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_database_that_cannot_be_opened_is_a_message_naming_it(tmp_path):
    """Every command opens the ledger the same way; a bad --db is a sentence and no password: exit 2 when
    it is no URL at all or names a database the ledger does not run on (a bad option value), 1 when the
    database it names cannot be used."""
    (tmp_path / "notes.db").write_text("not a database")
    savings = Path(sys.executable).with_name("savings")
    cases = {
        f"sqlite:///{tmp_path}/no/such/folder/l.db": (1, f"cannot open the ledger there (the folder {tmp_path}/no/such/"
                                                         "folder does not exist: create it, or name a file in a "
                                                         "folder that does)"),
        f"sqlite:///{tmp_path}/notes.db": (1, "cannot open the ledger there (file is not a database)"),
        "ledger.db": (2, "--db 'ledger.db' is not a database URL; write sqlite:///path/to/ledger.db"),
        "mysql://someone:s3cret@host/db": (2, "someone:***@host/db: the ledger runs on SQLite and PostgreSQL, "
                                                 "not mysql"),
        "postgresql+psycopg2://someone@host/db": (1, "no driver for it here (psycopg2)"),
        "postgresql+psycopg://someone:s3cret@127.0.0.1:1/x": (1, "someone:***@127.0.0.1:1/x: cannot open"),
    }
    for url, (code, message) in cases.items():
        for args in (["init"], ["check", "--trust", "RX1"]):
            done = subprocess.run([str(savings), *args, "--db", url], capture_output=True, text=True, check=False)
            assert done.returncode == code and message in done.stderr, (url, args, done.stderr)
            assert "Traceback" not in done.stderr and "s3cret" not in done.stderr
