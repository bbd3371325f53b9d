"""web sessions ended by logging out

Revision ID: 0006
Revises: 0005

A web session is a signed cookie that stays valid for hours; clearing it in the browser at logout
left any copy of it (a shared machine, a proxy log, a stolen cookie) working until it expired.
Each session now carries a random id, and `weblogout` records the id of each session that logged
out (with who and when), checked on every request. Rows are kept: a response may sign a copied
cookie afresh, so no age says when it could no longer be used. A session begun before this
revision holds no id and is sent to the login page once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weblogout",
        sa.Column("session_id", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("logged_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )


def downgrade() -> None:
    op.drop_table("weblogout")
