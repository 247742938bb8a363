"""``roadside`` command line: migrate, demo, create-admin, audit verify. Commands only translate."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from server.app import create_app


def register(app: Flask) -> None:
    for command in (migrate_cmd, downgrade_cmd, load_demo_cmd, demo_cmd, create_admin_cmd, audit_group):
        app.cli.add_command(command)


@click.command("migrate")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def migrate_cmd(revision: str) -> None:
    """Apply database migrations."""
    from server.adapters.migrate import upgrade

    upgrade(current_app.config["SQLALCHEMY_DATABASE_URI"], revision)
    click.echo(f"数据库已迁移到 {revision}")


@click.command("downgrade")
@click.option("--revision", default="base", show_default=True)
@with_appcontext
def downgrade_cmd(revision: str) -> None:
    """Revert database migrations."""
    from server.adapters.migrate import downgrade

    downgrade(current_app.config["SQLALCHEMY_DATABASE_URI"], revision)
    click.echo(f"数据库已回退到 {revision}")


@click.command("load-demo")
@with_appcontext
def load_demo_cmd() -> None:
    """Load the demo unit tree, officers, parties and catalog (skipped if data exists)."""
    from server import demo
    from server.services.uow import UnitOfWork

    click.echo("已载入演示数据" if demo.load(UnitOfWork()) else "数据库已有数据，未重复载入")
    click.echo(demo.summary())


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--serve/--no-serve", default=True)
@with_appcontext
def demo_cmd(host: str, port: int, serve: bool) -> None:
    """Migrate, load demo data and serve API + PWA (SQLite and a local media folder by default)."""
    from server import demo
    from server.adapters.migrate import upgrade
    from server.services.uow import UnitOfWork

    app = current_app._get_current_object()
    upgrade(app.config["SQLALCHEMY_DATABASE_URI"])
    demo.load(UnitOfWork())
    from server import demo_history
    from server.extensions import db

    if demo_history.load(db.session, app.config):
        click.echo("已载入演示业务：张伟今天上午的三起检查（承诺书、当场处罚、待法制审核的普通程序案件）")
    click.echo(demo.summary())
    click.echo(f"数据库：{app.config['SQLALCHEMY_DATABASE_URI']}\n媒体目录：{app.config['MEDIA_DIR']}")
    if serve:
        click.echo(f"Roadside 已启动：http://{host}:{port}/  （接口文档 http://{host}:{port}/api/docs）")
        from werkzeug.serving import run_simple

        from server.app import settle_heap

        settle_heap()
        # run_simple, not app.run: Flask ignores app.run() inside its own CLI.
        run_simple(host, port, app, threaded=True, use_reloader=False)


@click.command("create-admin")
@click.option("--username", required=True)
@click.option("--full-name", default="管理员")
@click.option("--unit-code", required=True, help="Code of the unit the admin belongs to")
@click.password_option()
@with_appcontext
def create_admin_cmd(username: str, full_name: str, unit_code: str, password: str) -> None:
    """Create an administrator account."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from server.adapters import passwords
    from server.adapters.models import Officer, Unit
    from server.services.uow import UnitOfWork

    with UnitOfWork() as uow:
        unit = uow.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise click.ClickException(f"单位代码 {unit_code} 不存在")
        officer = Officer(unit_id=unit.id, username=username, full_name=full_name,
                          password_hash=passwords.hash_password(password), roles=["admin"])
        uow.session.add(officer)
        try:
            uow.session.flush()
        except IntegrityError:
            raise click.ClickException(f"用户名 {username} 已被使用") from None
        uow.record(None, "officer.create", "officer", officer.id, {"username": username, "roles": ["admin"]},
                   unit_id=unit.id)
        uow.commit()
    click.echo(f"管理员 {username} 已创建")


@click.group("audit")
def audit_group() -> None:
    """Audit chain tools."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_cmd() -> None:
    """Recompute every audit chain; exit 1 and name the first broken link if any."""
    from server.extensions import db
    from server.services import audit

    breaks = audit.verify_all(db.session)  # hash chains, then evidence rows against their audit seals
    if not breaks:
        click.echo("审计链完整")
        return
    for b in breaks:
        click.echo(f"审计链 {b.chain} 在第 {b.seq} 条（记录 id {b.entry_id}）断裂：{b.reason}", err=True)
    sys.exit(1)


def main() -> None:
    FlaskGroup(create_app=lambda: create_app(), add_default_commands=True, add_version_option=False)(prog_name="roadside")
