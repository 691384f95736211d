from django.urls import path
from rest_framework.routers import DefaultRouter

from .api.actions import ActionViewSet
from .api.audits import AuditViewSet
from .api.catalogue import (
    CaseViewSet,
    ProgrammeViewSet,
    ServiceAreaViewSet,
    TeamViewSet,
    ToolViewSet,
)
from .api.common import ApiRoot
from .api.tokens import TokenView

app_name = "api"

router = DefaultRouter(use_regex_path=False)
router.APIRootView = ApiRoot
router.register("tools", ToolViewSet, basename="tool")
router.register("service-areas", ServiceAreaViewSet, basename="service-area")
router.register("teams", TeamViewSet, basename="team")
router.register("cases", CaseViewSet, basename="case")
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("audits", AuditViewSet, basename="audit")
router.register("actions", ActionViewSet, basename="action")

urlpatterns = [
    path("token/", TokenView.as_view(), name="token"),
    *router.urls,
]
