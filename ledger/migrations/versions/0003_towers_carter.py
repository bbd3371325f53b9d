"""towers and Carter: contribution estimate, benchmark statistics, WAU constant, spend extract, tower ref

Revision ID: 0003
Revises: 0002

`towercontribution.amount_pence` becomes optional and `income_pence` is added, so a contribution
can be estimated as rate x income (DOMAIN.md 6.1). `benchmark` gains the median and best-decile
prices, a tower code and a description (7.2). `activity` gains an optional WAU constant (7.1).
`spendextract` holds addressable-spend transactions for Carter compliance, and `towerref` a
user-imported tower reference table (6.1; the shipped CSV applies while it is empty).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("towercontribution") as batch:
        batch.alter_column("amount_pence", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("income_pence", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("benchmark") as batch:
        batch.add_column(sa.Column("p_median_micro", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("p_best_decile_micro", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("tower_code", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("description", sa.String(), nullable=False, server_default=""))
    with op.batch_alter_table("activity") as batch:
        batch.add_column(sa.Column("wau_constant_pence", sa.BigInteger(), nullable=True))
    op.create_table(
        "spendextract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trust", sa.String(), nullable=False),
        sa.Column("transaction_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("supplier", sa.String(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("addressable", sa.Boolean(), nullable=False),
        sa.Column("on_catalogue", sa.Boolean(), nullable=False),
        sa.Column("po_number", sa.String(), nullable=False),
        sa.Column("contract_ref", sa.String(), nullable=False),
        sa.Column("tower_code", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_spendextract_trust_date", "spendextract", ["trust", "date"])
    op.create_table(
        "towerref",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("successor", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("code", "valid_from"),
    )


def downgrade() -> None:
    op.drop_table("towerref")
    op.drop_index("ix_spendextract_trust_date", table_name="spendextract")
    op.drop_table("spendextract")
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("wau_constant_pence")
    with op.batch_alter_table("benchmark") as batch:
        for column in ("description", "tower_code", "p_best_decile_micro", "p_median_micro"):
            batch.drop_column(column)
    with op.batch_alter_table("towercontribution") as batch:
        batch.drop_column("income_pence")
        batch.alter_column("amount_pence", existing_type=sa.BigInteger(), nullable=False)
