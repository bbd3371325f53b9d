"""saving lines: the counterfactual index a baseline price was set from, and its approval

Revision ID: 0005
Revises: 0004

R-INF-3: a counterfactual index (CPI, an ONS PPI series, contract indexation) may be used only
if the index series and its policy approval are recorded on the line. Two text columns on
`savingline`, empty for every line already held (none of them names an index). On PostgreSQL
the guard of `savingline` (migration 0002) is reinstalled so that it freezes them too on a
validated line or in a closed month.
"""

from __future__ import annotations

from importlib import import_module

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ADDED = ("counterfactual_index", "counterfactual_approval")
GOVERNANCE = import_module("ledger.migrations.versions.0002_governance")


def upgrade() -> None:
    with op.batch_alter_table("savingline") as batch:
        batch.add_column(sa.Column("counterfactual_index", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("counterfactual_approval", sa.String(), nullable=False, server_default=""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GOVERNANCE.guard_line((*GOVERNANCE.LINE_COLUMNS, *ADDED)))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GOVERNANCE.guard_line(GOVERNANCE.LINE_COLUMNS))
    with op.batch_alter_table("savingline") as batch:
        batch.drop_column("counterfactual_approval")
        batch.drop_column("counterfactual_index")
