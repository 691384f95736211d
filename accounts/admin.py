"""The record of sign-ins and lockouts for administrators: read only, and the one place in the
service where a lockout is lifted (the `unlock_sign_in` command is the other)."""

from django.contrib import admin, messages

from accounts.lockout import sign_in_unlock
from core.admin import AppendOnlyAdmin
from core.errors import DomainError
from core.models import SignInEvent

FROM_ADMIN = "Unlocked from the administration site."


@admin.register(SignInEvent)
class SignInEventAdmin(AppendOnlyAdmin):
    """Who tried to sign in, when, from where, and what the lockout made of it (never a
    password). The table refuses changes (core/history_guard.py)."""

    list_display = ("at", "kind", "username", "person", "ip_address", "failures", "path", "actor")
    list_select_related = ("person", "actor")
    list_filter = ("kind",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "at"
    fields = (*list_display, "user_agent", "reason")
    readonly_fields = fields
    actions = ["unlock"]

    def has_unlock_permission(self, request) -> bool:
        # Break-glass administrators: lifting a lockout lets guessing start again.
        return request.user.is_superuser

    @admin.action(
        permissions=["unlock"], description="Unlock sign-in for these usernames and addresses"
    )
    def unlock(self, request, queryset):
        pairs = sorted(set(queryset.values_list("username", "ip_address")), key=str)
        for username, address in pairs:
            try:
                sign_in_unlock(
                    username=username, ip_address=address, actor=request.user, reason=FROM_ADMIN
                )
            except DomainError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                where = f" from {address}" if address else ""
                self.message_user(request, f"Sign-in unlocked for {username}{where}.")
