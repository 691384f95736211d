from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import TokenView
from accounts.staff_api import StaffImportView
from audits.api.actions import ActionViewSet
from audits.api.audits import AuditViewSet
from audits.api.catalogue import (
    CaseViewSet,
    ProgrammeViewSet,
    ServiceAreaViewSet,
    TeamViewSet,
)
from audits.api.imports import HistoryImportView, ImportJobView
from audits.api.tools import ToolVersionView, ToolViewSet
from core.api import ApiRoot
from moderation.api.escalations import EscalationViewSet
from moderation.api.moderations import ModerationViewSet
from moderation.api.samples import ProgrammeSampleView

app_name = "api"

router = DefaultRouter(use_regex_path=False)
# JSON only: no ".json" suffix routes, which would double every operation in the schema.
router.include_format_suffixes = False
router.APIRootView = ApiRoot
router.register("tools", ToolViewSet, basename="tool")
router.register("service-areas", ServiceAreaViewSet, basename="service-area")
router.register("teams", TeamViewSet, basename="team")
router.register("cases", CaseViewSet, basename="case")
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("audits", AuditViewSet, basename="audit")
router.register("actions", ActionViewSet, basename="action")
router.register("moderations", ModerationViewSet, basename="moderation")
router.register("escalations", EscalationViewSet, basename="escalation")

urlpatterns = [
    path("token/", TokenView.as_view(), name="token"),
    path("staff-import/", StaffImportView.as_view(), name="staff-import"),
    path("imports/", HistoryImportView.as_view(), name="imports"),
    path("imports/<int:pk>/", ImportJobView.as_view(), name="import-job"),
    # Programmes are audits' (ProgrammeViewSet); their moderation sample is moderation's.
    path("tools/<slug:code>/versions/", ToolVersionView.as_view(), name="tool-versions"),
    path("programmes/<int:pk>/sample/", ProgrammeSampleView.as_view(), name="programme-sample"),
    *router.urls,
]
