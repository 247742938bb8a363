"""Importing this package registers every table on ``Base.metadata`` (Alembic reads it from here).

Each feature adds its own module and one import line below.
"""
from server.adapters.models.base import Base, utcnow  # noqa: F401
from server.adapters.models.org import (  # noqa: F401
    Device, EnforcementCertificate, LoginAttempt, Officer, RefreshToken, ServerKey, TrainingRecord, Unit,
)
from server.adapters.models.registry import Credential, Party, Vehicle  # noqa: F401
from server.adapters.models.catalog import CatalogEntry  # noqa: F401
from server.adapters.models.cases import (  # noqa: F401
    Case, CaseEvaluation, CaseEvaluationItem, CaseReview, Inspection,
)
from server.adapters.models.journal import AuditEntry, AuditHead, Change  # noqa: F401
from server.adapters.models.evidence import (  # noqa: F401
    Blob, BlobUpload, Evidence, EvidenceAccess, GpsFix,
)
from server.adapters.models.patrol import DutyShift, PatrolCheckin, PatrolPoint, PatrolRequirement  # noqa: F401
from server.adapters.models.push import Notification, PushDelivery, PushSubscription  # noqa: F401
from server.adapters.models.documents import CalendarDay, CalendarYear, Document, FollowUp  # noqa: F401
from server.adapters.models.sync import (  # noqa: F401
    ClientState, DeadLetter, MutationResult, NumberBlock, NumberUse, ParkedMutation, SyncConflict,
)
