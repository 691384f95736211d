from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in, two-factor and API tokens: how a person proves who they are."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.core import checks

        from accounts.lockout import record_failure, record_sign_in, record_sign_out
        from accounts.middleware import session_stamp
        from accounts.oidc import check_group_mapping
        from accounts.two_factor import note_device_at_sign_in

        # Django's own sign-in hook: the session's clock starts at sign-in, not on the next
        # request, so timeouts hold from the first moment.
        user_logged_in.connect(session_stamp, dispatch_uid="session_stamp")
        # Whether this session will be asked for a two-factor code, noted once at sign-in.
        user_logged_in.connect(note_device_at_sign_in, dispatch_uid="two_factor_note_device")
        # The record of password sign-ins and lockouts (accounts/lockout.py). After
        # django-axes' receivers (axes is installed first): a failure's record reads the
        # count axes has just made of it.
        user_login_failed.connect(record_failure, dispatch_uid="sign_in_record_failure")
        user_logged_in.connect(record_sign_in, dispatch_uid="sign_in_record")
        user_logged_out.connect(record_sign_out, dispatch_uid="sign_in_record_sign_out")
        # OIDC_GROUP_ROLES names only the service's roles (accounts/oidc.py).
        checks.register(check_group_mapping)
