"""Sign-in credentials kept beside the user: recovery codes and API tokens; and the record of
password sign-ins and lockouts."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin
from knox.models import AbstractAuthToken


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """Single-use recovery codes for someone who cannot use their authenticator app
    (accounts/two_factor.py). One per person, tied to their app: removing the app (turning
    two-factor sign-in off, or an administrator's reset of a lost phone) removes the codes and
    ends any session they verified. Only keyed digests of the codes are stored."""

    # Why verify_token refused the last token (None once it accepted one).
    USED, WRONG, THROTTLED = "used", "wrong", "throttled"
    refusal: str | None = None

    authenticator = models.OneToOneField(
        "otp_totp.TOTPDevice", on_delete=models.CASCADE, related_name="recovery_device"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], name="recovery_device_one_per_user")
        ]

    @staticmethod
    def normalise(code: str) -> str:
        """A code as typed (any case, with or without the hyphen or spaces) as stored."""
        return "".join(code.replace("-", " ").split()).lower()

    @staticmethod
    def is_well_formed(code: str) -> bool:
        return len(code) == RECOVERY_CODE_LENGTH and set(code) <= set(RECOVERY_CODE_ALPHABET)

    @staticmethod
    def new_code() -> str:
        return "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))

    def digests(self, code: str) -> list[str]:
        """The code's digest under the secret key, then under each retired key still trusted."""
        message = f"{self.user_id}:{self.normalise(code)}".encode()
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return [hmac.new(key.encode(), message, hashlib.sha256).hexdigest() for key in keys]

    def get_throttle_factor(self):
        # The same doubling wait as the authenticator app's codes: 1, 2, 4 ... seconds.
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """Whether the token is one of the unused codes, which it then marks used. Why a
        token was refused is left in self.refusal (with self.locked_until when THROTTLED)."""
        with transaction.atomic():
            # Both row locks order two tries at once: the second sees the code the first
            # marked used, and the failure count it left.
            locked = RecoveryCodeDevice.objects.select_for_update().get(pk=self.pk)
            self.throttling_failure_count = locked.throttling_failure_count
            self.throttling_failure_timestamp = locked.throttling_failure_timestamp
            allowed, details = self.verify_is_allowed()
            if not allowed:
                self.refusal, self.locked_until = self.THROTTLED, details["locked_until"]
                return False
            match = self._match(token)
            if match is not None and match.used_at is None:
                RecoveryCode.objects.filter(pk=match.pk).update(used_at=timezone.now())
                self.throttle_reset(commit=False)
                self.refusal = None
            else:
                self.throttle_increment(commit=False)
                self.refusal = self.WRONG if match is None else self.USED
            self.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
        return self.refusal is None

    def _match(self, token) -> "RecoveryCode | None":
        """The locked code row whose digest is the token's. Every row is compared in constant
        time, so how long this takes says nothing about the stored digests."""
        wanted = self.digests(str(token))
        match = None
        for row in RecoveryCode.objects.select_for_update().filter(device=self).order_by("pk"):
            if any(hmac.compare_digest(row.digest, digest) for digest in wanted):
                match = row
        return match

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


# An unambiguous alphabet: no 0/o, 1/i/l. 31 ** 10 codes, about 49 bits each.
RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


RECOVERY_CODE_LENGTH = 10


RECOVERY_CODE_COUNT = 10


class RecoveryCode(models.Model):
    """One recovery code, as HMAC-SHA256(SECRET_KEY, "<user id>:<code>") in hex: never the
    code itself. Rotating SECRET_KEY without keeping the old one in SECRET_KEY_FALLBACKS voids
    every recovery code."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Recovery code {self.pk} ({'used' if self.used_at else 'unused'})"


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox): only a digest of it is kept, and it expires
    (settings.API_TOKEN_TTL). It stands for the credentials it was issued on, and is refused
    once they change (accounts/tokens.py): the password it was issued under (a keyed stamp,
    as Django's sessions keep one) and the authenticator app whose code it was issued after
    (none for people without two-factor sign-in). Removing that app removes the token."""

    device = models.ForeignKey(
        "otp_totp.TOTPDevice",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="The authenticator app whose code this token was issued after.",
    )
    password_stamp = models.CharField(max_length=64)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"API token of {self.user} ({self.token_key[:4]}…)"


class SignInEvent(models.Model):
    """A password sign-in and what the lockout made of it: who tried (the username as typed,
    and the person when it names one), when, from which address and device, through which path;
    never the password. The lockout's running counts live in the shared cache (Redis from
    CACHE_URL, django-axes' cache handler), which keeps no record: this table is the record an
    investigation reads. Written only by core/services/sign_in.py; append-only in the database
    (core/history_guard.py)."""

    class Kind(models.TextChoices):
        FAILED = "failed", "Wrong password"
        LOCKED = "locked", "Locked out"
        REFUSED = "refused", "Refused while locked"
        SIGNED_IN = "signed_in", "Signed in"
        SIGNED_OUT = "signed_out", "Signed out"
        UNLOCKED = "unlocked", "Unlocked"

    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    username = models.CharField(max_length=150, help_text="As typed: it may name nobody.")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sign_in_events",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    path = models.CharField(max_length=255, blank=True)
    failures = models.PositiveIntegerField(
        null=True, blank=True, help_text="The lockout's count after this attempt."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who unlocked it (blank: from the command line).",
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["username", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.username} from {self.ip_address or 'unknown'}"
