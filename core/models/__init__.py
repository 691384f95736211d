"""Core's models, one module per subject; `from core.models import X` finds each of them (Django
looks for an app's models here)."""

from core.models.audits import Action, Audit, AuditRead, DomainGrade, Programme
from core.models.cases import Case
from core.models.credentials import (
    RECOVERY_CODE_ALPHABET,
    RECOVERY_CODE_COUNT,
    RECOVERY_CODE_LENGTH,
    ApiToken,
    RecoveryCode,
    RecoveryCodeDevice,
    SignInEvent,
)
from core.models.imports import ImportJob
from core.models.organisation import Role, ServiceArea, StaffEvent, Team, User
from core.models.tools import AuditTool, Domain

__all__ = [
    "RECOVERY_CODE_ALPHABET",
    "RECOVERY_CODE_COUNT",
    "RECOVERY_CODE_LENGTH",
    "Action",
    "ApiToken",
    "Audit",
    "AuditRead",
    "AuditTool",
    "Case",
    "Domain",
    "DomainGrade",
    "ImportJob",
    "Programme",
    "RecoveryCode",
    "RecoveryCodeDevice",
    "Role",
    "ServiceArea",
    "SignInEvent",
    "StaffEvent",
    "Team",
    "User",
]
