"""Administration of accounts and the organisation only: audit content changes go through
the service layer (pages and API), never through the admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Q

from core.models import RecoveryCodeDevice, ServiceArea, StaffEvent, Team, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
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


@admin.register(RecoveryCodeDevice)
class RecoveryCodeDeviceAdmin(admin.ModelAdmin):
    """Who has recovery codes and how many are left; never a code (only digests are stored).
    Deleting one voids that person's codes; deleting their authenticator app does too."""

    list_display = ("user", "codes_left", "throttling_failure_count")
    fields = list_display
    readonly_fields = list_display
    search_fields = ("user__username",)

    def get_queryset(self, request):
        unused = Count("codes", filter=Q(codes__used_at__isnull=True))
        return super().get_queryset(request).select_related("user").annotate(left=unused)

    @admin.display(description="Codes left", ordering="left")
    def codes_left(self, obj):
        return obj.left

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AppendOnlyAdmin(admin.ModelAdmin):
    """A record nobody adds, changes or deletes in the admin (its table refuses changes too:
    core/history_guard.py): it is only listed and read."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffEvent)
class StaffEventAdmin(AppendOnlyAdmin):
    """Every change to a person's account (the staff pages' and the sign-in's): read only (the
    table refuses changes, core/history_guard.py)."""

    list_display = ("at", "person", "kind", "old", "new", "actor", "reason")
    list_select_related = ("person", "actor")
    list_filter = ("kind",)
    search_fields = ("person__username",)
    readonly_fields = list_display
