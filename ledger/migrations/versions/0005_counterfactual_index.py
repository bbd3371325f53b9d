"""saving lines: the counterfactual index a baseline price was set from, and its approval

Revision ID: 0005
Revises: 0004

R-INF-3: a counterfactual index (CPI, an ONS PPI series, contract indexation) may be used only
if the index series and its policy approval are recorded on the line. Two text columns on
`savingline`, empty for every line already held (none of them names an index).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("savingline") as batch:
        batch.add_column(sa.Column("counterfactual_index", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("counterfactual_approval", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("savingline") as batch:
        batch.drop_column("counterfactual_approval")
        batch.drop_column("counterfactual_index")
