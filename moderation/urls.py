from django.urls import path

from moderation import escalation_views, history_views, overview_views, sample_views, views

app_name = "moderation"

urlpatterns = [
    path("audits/<int:audit_id>/history/", history_views.audit_history, name="audit_history"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/<int:pk>/", views.detail, name="detail"),
    path("moderation/<int:pk>/claim/", views.claim, name="claim"),
    path("moderation/<int:pk>/release/", views.release, name="release"),
    path("moderation/<int:pk>/return/", views.return_for_rework, name="return"),
    path("moderation/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("moderation/<int:pk>/remove/", sample_views.sample_remove, name="remove"),
    path("moderation/programmes/<int:programme_id>/sample/", sample_views.sample, name="sample"),
    path(
        "moderation/programmes/<int:programme_id>/sample/add/",
        sample_views.sample_add,
        name="sample_add",
    ),
    path("feedback/", views.feedback, name="feedback"),
    path("feedback/waiting/", overview_views.feedback_overview, name="feedback_overview"),
    path("escalations/", escalation_views.escalation_list, name="escalations"),
    path("escalations/<int:pk>/", escalation_views.escalation_detail, name="escalation"),
]
