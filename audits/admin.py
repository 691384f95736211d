"""Administration of accounts and the organisation only: audit content changes go through
the service layer (pages and API), never through the admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ServiceArea, Team, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Organisation", {"fields": ("team", "line_manager", "service_areas")}),
    )
    list_display = ("username", "email", "team", "is_active")
    list_filter = ("groups", "is_active", "team__service_area")
    filter_horizontal = ("groups", "user_permissions", "service_areas")

    def has_delete_permission(self, request, obj=None):
        # Staff are deactivated, never deleted: the history they wrote keeps their name, and
        # the history tables refuse the UPDATE that deleting them would need (a 500).
        return False


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "service_area")
    list_filter = ("service_area",)
    search_fields = ("name",)
