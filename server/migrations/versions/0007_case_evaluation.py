"""case evaluation: case_evaluations, case_evaluation_items (案卷评查 samples and grades)

Revision ID: 0007_case_evaluation
Revises: 0006_legal_review
Create Date: 2026-12-01 07:50:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql
import server.adapters.models.base

revision = '0007_case_evaluation'
down_revision = '0006_legal_review'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('ratio_permille', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('population', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('drawn_by', sa.Integer(), nullable=False),
    sa.Column('drawn_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by'], ['officers.id'], name=op.f('fk_case_evaluations_drawn_by_officers')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_case_evaluations_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_evaluations'))
    )
    with op.batch_alter_table('case_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_evaluations_unit_id'), ['unit_id'], unique=False)

    op.create_table('case_evaluation_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=16), nullable=True),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('evaluated_by', sa.Integer(), nullable=True),
    sa.Column('evaluated_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_evaluation_items_case_id_cases')),
    sa.ForeignKeyConstraint(['evaluated_by'], ['officers.id'], name=op.f('fk_case_evaluation_items_evaluated_by_officers')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['case_evaluations.id'], name=op.f('fk_case_evaluation_items_evaluation_id_case_evaluations')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_case_evaluation_items_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_evaluation_items'))
    )
    with op.batch_alter_table('case_evaluation_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_evaluation_items_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_evaluation_items_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    op.drop_table('case_evaluation_items')
    op.drop_table('case_evaluations')
