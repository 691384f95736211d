"""Optional error reporting (Sentry) and tracing (OpenTelemetry), each switched on by its
environment variable. Their packages are the `observability` extra
(`pip install '.[observability]'`), not installed by default: nothing here imports them unless
the variable is set, so these are the only imports inside functions in config/.

Neither is sent personal data: Sentry gets no request body, cookies, query string, local
variables or user details (send_default_pii off); traces carry the route, not the query string.
"""

from django.core.exceptions import ImproperlyConfigured

MISSING = (
    "{variable} is set, but {package} is not installed: "
    "install the observability extra (pip install '.[observability]')."
)


def _scrub(event: dict, hint: dict) -> dict:
    """What Sentry keeps of a request: its method and path, nothing the person sent."""
    request = event.get("request") or {}
    url = str(request.get("url", "")).split("?", 1)[0]
    event["request"] = {"method": request.get("method"), "url": url}
    event.pop("user", None)
    return event


def sentry_start(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    try:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError as missing:
        raise ImproperlyConfigured(
            MISSING.format(variable="SENTRY_DSN", package="sentry-sdk")
        ) from missing
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=_scrub,
    )


def _route_only(span, request) -> None:
    if span.is_recording():
        span.set_attribute("http.target", request.path)
        span.set_attribute("http.url", request.build_absolute_uri(request.path))


def opentelemetry_start() -> None:
    """Traces of requests and tasks to OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads it and
    the other OTEL_* variables itself)."""
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.celery import CeleryInstrumentor
        from opentelemetry.instrumentation.django import DjangoInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as missing:
        raise ImproperlyConfigured(
            MISSING.format(
                variable="OTEL_EXPORTER_OTLP_ENDPOINT", package="the OpenTelemetry packages"
            )
        ) from missing
    provider = TracerProvider(resource=Resource.create({"service.name": "case-file-audit"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument(request_hook=_route_only)
    CeleryInstrumentor().instrument()
