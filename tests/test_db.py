"""Opening a ledger: a new or older database is migrated to the newest schema; a current one is
opened without loading Alembic (the commands' start-up)."""
from __future__ import annotations

import subprocess
import sys

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
    assert {"savingline", "auditevent", "webuser"} <= set(inspect(engine).get_table_names())


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
