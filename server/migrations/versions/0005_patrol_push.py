"""patrol and push: duty roster, patrol points/check-ins, push subscriptions, notifications, outbox

Revision ID: 0005_patrol_push
Revises: 0001_foundation
Create Date: 2026-11-23 18:16:57.252430
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql
import server.adapters.models.base

revision = '0005_patrol_push'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('patrol_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('radius_m', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_patrol_points_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_points'))
    )
    with op.batch_alter_table('patrol_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_points_unit_id'), ['unit_id'], unique=False)

    op.create_table('patrol_requirements',
    sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('per_shift', sa.Integer(), nullable=False),
    sa.Column('per_week', sa.Integer(), nullable=False),
    sa.Column('updated_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_patrol_requirements_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_patrol_requirements'))
    )
    op.create_table('duty_shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('duty_date', sa.Date(), nullable=False),
    sa.Column('shift', sa.String(length=32), nullable=False),
    sa.Column('starts_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('officer_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['officers.id'], name=op.f('fk_duty_shifts_leader_id_officers')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_duty_shifts_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_shifts')),
    sa.UniqueConstraint('unit_id', 'duty_date', 'shift', name=op.f('uq_duty_shifts_unit_id_duty_date_shift'))
    )
    with op.batch_alter_table('duty_shifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_shifts_leader_id'), ['leader_id'], unique=False)
        batch_op.create_index('ix_duty_shifts_unit_window', ['unit_id', 'starts_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('dedupe_key', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=255), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=True),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('push_state', sa.String(length=16), nullable=False),
    sa.Column('push_after', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_notifications_officer_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_officer_created', ['officer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notifications_push_due', ['push_state', 'push_after'], unique=False)

    op.create_table('push_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('endpoint', sa.String(length=1024), nullable=False),
    sa.Column('p256dh', sa.String(length=128), nullable=False),
    sa.Column('auth', sa.String(length=64), nullable=False),
    sa.Column('created_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_success_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_push_subscriptions_officer_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscriptions_endpoint'))
    )
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscriptions_officer_id'), ['officer_id'], unique=False)

    op.create_table('patrol_checkins',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('shift_id', sa.Integer(), nullable=True),
    sa.Column('as_leader', sa.Boolean(), nullable=False),
    sa.Column('at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=False),
    sa.Column('gps_source', sa.String(length=16), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('photo_sha256', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('flags', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_patrol_checkins_officer_id_officers')),
    sa.ForeignKeyConstraint(['point_id'], ['patrol_points.id'], name=op.f('fk_patrol_checkins_point_id_patrol_points')),
    sa.ForeignKeyConstraint(['shift_id'], ['duty_shifts.id'], name=op.f('fk_patrol_checkins_shift_id_duty_shifts')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_patrol_checkins_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_checkins'))
    )
    with op.batch_alter_table('patrol_checkins', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_checkins_officer_at', ['officer_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_checkins_point_id'), ['point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_checkins_shift_id'), ['shift_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_checkins_unit_id'), ['unit_id'], unique=False)

    op.create_table('push_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('notification_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', server.adapters.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_push_deliveries_notification_id_notifications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['push_subscriptions.id'], name=op.f('fk_push_deliveries_subscription_id_push_subscriptions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_deliveries'))
    )
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_push_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_deliveries_notification_id'), ['notification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_deliveries_subscription_id'), ['subscription_id'], unique=False)


def downgrade() -> None:
    # Dependants first; dropping a table drops its indexes on both SQLite and PostgreSQL.
    for table in ("push_deliveries", "patrol_checkins", "push_subscriptions", "notifications", "duty_shifts",
                  "patrol_requirements", "patrol_points"):
        op.drop_table(table)
