"""The session behind Flask-SQLAlchemy's ``db.session`` proxy.

Every attribute of the proxy looks up the app context first; code that touches the session many times per
mutation (the push, the journal, write-behind rows) and session events (which receive the plain session) use this.
"""
from __future__ import annotations

from sqlalchemy.orm import Session, scoped_session


def plain(session: Session | scoped_session) -> Session:
    return session() if isinstance(session, scoped_session) else session
