"""legal review: case_reviews (法制审核 submissions and written opinions)

Revision ID: 0006_legal_review
Revises: 0001_foundation
Create Date: 2026-12-01 07:20:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql
import server.adapters.models.base

revision = '0006_legal_review'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=False),
    sa.Column('submitted_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('checks', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_reviews_case_id_cases')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['officers.id'], name=op.f('fk_case_reviews_reviewer_id_officers')),
    sa.ForeignKeyConstraint(['submitted_by'], ['officers.id'], name=op.f('fk_case_reviews_submitted_by_officers')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_case_reviews_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_reviews'))
    )
    with op.batch_alter_table('case_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_reviews_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_reviews_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_reviews_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    op.drop_table('case_reviews')
