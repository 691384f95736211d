from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in, two-factor and API tokens: how a person proves who they are."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from accounts.middleware import session_stamp
        from accounts.oidc import check_group_mapping
        from accounts.two_factor import note_device_at_sign_in

        # Django's own sign-in hook: the session's clock starts at sign-in, not on the next
        # request, so timeouts hold from the first moment.
        user_logged_in.connect(session_stamp, dispatch_uid="session_stamp")
        # Whether this session will be asked for a two-factor code, noted once at sign-in.
        user_logged_in.connect(note_device_at_sign_in, dispatch_uid="two_factor_note_device")
        # OIDC_GROUP_ROLES names only the service's roles (accounts/oidc.py).
        checks.register(check_group_mapping)
