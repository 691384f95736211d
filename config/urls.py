from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts import oidc_views, people_views
from accounts import views as two_factor
from config import api_docs, public_pages

urlpatterns = [
    path("admin/", admin.site.urls),
    # The pages the law asks for: anyone may read them, signed in or not (the footer links).
    path(
        "accessibility-statement/",
        public_pages.accessibility_statement,
        name="accessibility_statement",
    ),
    path("privacy/", public_pages.privacy, name="privacy"),
    path("cookies/", public_pages.cookies, name="cookies"),
    path("accounts/login/", oidc_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", oidc_views.sign_out, name="logout"),
    # Single sign-on with the council's OpenID Connect provider (404 when not set up).
    path("accounts/oidc/start/", oidc_views.AuthenticateView.as_view(), name="oidc_start"),
    path(
        "accounts/oidc/callback/",
        oidc_views.CallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    path("sign-in-groups/", oidc_views.sign_in_groups, name="sign_in_groups"),
    path("account/two-factor/", two_factor.account, name="two_factor"),
    path("account/two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("account/two-factor/setup/qr.svg", two_factor.qr_code, name="two_factor_qr"),
    path("account/two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path(
        "account/two-factor/verify/recovery-code/",
        two_factor.verify_recovery,
        name="two_factor_recovery",
    ),
    path(
        "account/two-factor/recovery-codes/",
        two_factor.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("account/two-factor/new-app/", two_factor.new_app, name="two_factor_new_app"),
    path("account/two-factor/turn-off/", two_factor.turn_off, name="two_factor_turn_off"),
    path(
        "account/set-password/<uidb64>/<token>/",
        people_views.set_password,
        name="set_password",
    ),
    path("staff/", include("accounts.people_urls")),
    # Both for staff with a role (SPECTACULAR_SETTINGS' SERVE_PERMISSIONS; config/api_docs.py).
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", api_docs.api_reference, name="api_docs"),
    path("api/reports/", include("reporting.api_urls")),
    path("api/", include("config.api_urls")),
    path("reports/", include("reporting.urls")),
    path("", include("moderation.urls")),
    path("", include("audits.urls")),
]

# JSON for a URL under /api/ that matches no route; the usual page everywhere else.
handler404 = "core.api_errors.not_found"
