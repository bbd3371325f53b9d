"""governance: audit trail, line and period locks, plan versions; PostgreSQL guards

Revision ID: 0002
Revises: 0001

Adds the hash-chained audit trail (`auditevent`, `audithead`), the locks that make validated
lines and closed months immutable (`lockedline`, `periodlock`), plan versions (`planversion`)
and `evidence.source` (evidence attached from the command line survives a re-import).

On PostgreSQL it also installs triggers, so the database itself refuses what the library
refuses: UPDATE, DELETE or TRUNCATE of audit events and locks; UPDATE or DELETE of a validated
line; and any INSERT, UPDATE or DELETE of a row dated in a closed month (DOMAIN.md R-GOV-4,
C4). SQLite has no such guard in the database; `savings audit verify` catches raw edits there.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
LINE_COLUMNS = (  # the fields of a saving line that a lock freezes (notes and source_row may change)
    "trust", "line_id", "scheme_id", "contract_id", "product_code", "cost_centre", "subjective",
    "benefit_type", "attribution", "tower_enabled", "baseline_micro", "new_micro", "unit",
    "annual_volume_milli", "baseline_volume_milli", "activity_factor_ppm", "growth_funded", "go_live",
    "end_date", "one_off_costs_pence", "created_by",
)
DATED = {"actual": ("month", "month"), "signoff": ("date", "date"),
         "budgetadjustment": ("effective_from", "date"), "evidence": ("captured_at", "date")}
APPEND_ONLY = ("auditevent", "lockedline", "periodlock", "planversion")


def upgrade() -> None:
    op.create_table(
        "auditevent",
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("trust", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("from_status", sa.String(), nullable=False),
        sa.Column("to_status", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("evidence_ids", sa.String(), nullable=False),
        sa.Column("effective_month", sa.Integer(), nullable=True),
        sa.Column("details", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_auditevent_trust", "auditevent", ["trust"])
    head = op.create_table(
        "audithead",
        sa.Column("chain", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    op.bulk_insert(head, [{"chain": "main", "seq": 0, "hash": GENESIS}])
    op.create_table(
        "lockedline",
        sa.Column("trust", sa.String(), nullable=False),
        sa.Column("line_id", sa.String(), nullable=False),
        sa.Column("row_hash", sa.String(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("trust", "line_id"),
    )
    op.create_table(
        "periodlock",
        sa.Column("trust", sa.String(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("lock_id", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("chain_hash", sa.String(), nullable=False),
        sa.Column("closed_by", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("trust", "month"),
        sa.UniqueConstraint("lock_id"),
    )
    op.create_table(
        "planversion",
        sa.Column("trust", sa.String(), nullable=False),
        sa.Column("line_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("params", sa.String(), nullable=False),
        sa.Column("months", sa.String(), nullable=False),
        sa.Column("total_pence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("trust", "line_id", "version"),
    )
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("source", sa.String(), nullable=False, server_default="register"))
    if op.get_bind().dialect.name == "postgresql":
        for statement in _pg_guards():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in (*APPEND_ONLY, "audithead", "savingline", *DATED):
            op.execute(f"DROP TRIGGER IF EXISTS savings_guard ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS savings_no_truncate ON {table}")
        for fn in ("savings_append_only()", "savings_guard_line()", "savings_guard_period()",
                   "savings_closed_through(text)", "savings_month_label(integer)"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("source")
    for table in ("planversion", "periodlock", "lockedline", "audithead", "auditevent"):
        op.drop_table(table)


def _pg_guards() -> list[str]:
    """PL/pgSQL functions and triggers; every refusal names the rule and the way to correct it."""
    statements = [
        """CREATE OR REPLACE FUNCTION savings_closed_through(p_trust text) RETURNS integer
           LANGUAGE sql STABLE AS $$ SELECT max(month) FROM periodlock WHERE trust = p_trust $$""",
        """CREATE OR REPLACE FUNCTION savings_month_label(m integer) RETURNS text
           LANGUAGE sql IMMUTABLE AS $$ SELECT to_char(make_date(m / 12, m % 12 + 1, 1), 'YYYY-MM') $$""",
        """CREATE OR REPLACE FUNCTION savings_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             RAISE EXCEPTION 'savings: % on % refused: these rows are append-only (audit trail and locks)',
               TG_OP, TG_TABLE_NAME;
           END $$""",
        guard_line(LINE_COLUMNS),
        """CREATE OR REPLACE FUNCTION savings_guard_period() RETURNS trigger LANGUAGE plpgsql AS $$
           DECLARE
             r jsonb;
             v text;
             m integer;
             closed integer;
           BEGIN
             FOREACH r IN ARRAY ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
                                      CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END] LOOP
               CONTINUE WHEN r IS NULL;
               v := r ->> TG_ARGV[0];
               CONTINUE WHEN v IS NULL;
               IF TG_ARGV[1] = 'month' THEN
                 m := v::integer;
               ELSE
                 m := extract(year FROM v::date)::int * 12 + extract(month FROM v::date)::int - 1;
               END IF;
               closed := savings_closed_through(r ->> 'trust');
               IF closed IS NOT NULL AND m <= closed THEN
                 RAISE EXCEPTION 'savings: % on % refused: % is closed for % (closed through %)',
                   TG_OP, TG_TABLE_NAME, savings_month_label(m), r ->> 'trust', savings_month_label(closed);
               END IF;
             END LOOP;
             RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
           END $$""",
        """CREATE TRIGGER savings_guard BEFORE INSERT OR UPDATE OR DELETE ON savingline
           FOR EACH ROW EXECUTE FUNCTION savings_guard_line()""",
        """CREATE TRIGGER savings_guard BEFORE DELETE ON audithead
           FOR EACH ROW EXECUTE FUNCTION savings_append_only()""",
    ]
    for table in APPEND_ONLY:
        statements.append(f"""CREATE TRIGGER savings_guard BEFORE UPDATE OR DELETE ON {table}
                              FOR EACH ROW EXECUTE FUNCTION savings_append_only()""")
        statements.append(f"""CREATE TRIGGER savings_no_truncate BEFORE TRUNCATE ON {table}
                              FOR EACH STATEMENT EXECUTE FUNCTION savings_append_only()""")
    for table, (column, kind) in DATED.items():
        statements.append(f"""CREATE TRIGGER savings_guard BEFORE INSERT OR UPDATE OR DELETE ON {table}
                              FOR EACH ROW EXECUTE FUNCTION savings_guard_period('{column}', '{kind}')""")
    return statements


def guard_line(columns: tuple[str, ...]) -> str:
    """The PL/pgSQL guard of `savingline`: `columns` are the fields a lock or a closed month freezes
    (migration 0005 reinstalls it with the columns it adds)."""
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    return f"""CREATE OR REPLACE FUNCTION savings_guard_line() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE
         closed integer;
         changed boolean := TG_OP <> 'UPDATE' OR ROW({old}) IS DISTINCT FROM ROW({new});
       BEGIN
         IF NOT changed THEN RETURN NEW; END IF;
         IF TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM lockedline l
                                           WHERE l.trust = OLD.trust AND l.line_id = OLD.line_id) THEN
           RAISE EXCEPTION 'savings: line % of % is validated: % refused (R-GOV-4); reverse it instead',
             OLD.line_id, OLD.trust, TG_OP;
         END IF;
{_closed_month('OLD', 'INSERT', 'is')}
{_closed_month('NEW', 'DELETE', 'would be')}
         RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
       END $$"""


def _closed_month(row: str, skipped_on: str, verb: str) -> str:
    """The guard's refusal of a line whose go-live month (in `row`, OLD or NEW) is closed."""
    return f"""         IF TG_OP <> '{skipped_on}' THEN
           closed := savings_closed_through({row}.trust);
           IF closed IS NOT NULL AND (extract(year FROM {row}.go_live)::int * 12
                                      + extract(month FROM {row}.go_live)::int - 1) <= closed THEN
             RAISE EXCEPTION 'savings: line % of % {verb} in a closed month (closed through %): % refused',
               {row}.line_id, {row}.trust, savings_month_label(closed), TG_OP;
           END IF;
         END IF;"""
