from django.urls import path

from .api import MonthlyReportView

app_name = "reports_api"

urlpatterns = [
    path("monthly/", MonthlyReportView.as_view(), name="monthly"),
]
