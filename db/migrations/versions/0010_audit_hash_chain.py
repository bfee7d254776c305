"""the audit log is hash-chained: prev_hash and row_hash on every row

Existing rows are chained here, in id order, with the append-only triggers lifted for
the length of this migration only (it runs as the schema's owner, in one transaction).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:00:00
"""

import sqlalchemy as sa
from alembic import op

from db.audit_chain import CHAINED, GENESIS, row_hash

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

REFUSAL = "the audit log is append-only"  # as in 0005
SQLITE_TRIGGERS = ("UPDATE", "DELETE")


def _lift_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    else:
        for event in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{event.lower()}")


def _restore_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    else:  # the table rebuild that made the columns NOT NULL dropped them anyway
        for event in SQLITE_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER audit_event_no_{event.lower()} BEFORE {event} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    _lift_triggers(postgres)
    table = sa.table(
        "audit_event",
        sa.column("id", sa.Integer()),
        sa.column("at", sa.DateTime()),
        *(sa.column(c) for c in CHAINED[1:]),
        sa.column("prev_hash"),
        sa.column("row_hash"),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(table.c.id, *(table.c[c] for c in CHAINED)).order_by(table.c.id)).all()
    prev, hashes = GENESIS, []
    for row_id, *content in rows:
        this = row_hash(prev, *content)
        hashes.append({"row_id": row_id, "prev": prev, "this": this})
        prev = this
    if hashes:
        conn.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values(prev_hash=sa.bindparam("prev"), row_hash=sa.bindparam("this")),
            hashes,
        )
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("row_hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f("uq_audit_event_prev_hash"), ["prev_hash"])
    _restore_triggers(postgres)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _lift_triggers(postgres)
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_constraint(op.f("uq_audit_event_prev_hash"), type_="unique")
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
    _restore_triggers(postgres)
