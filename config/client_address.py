"""The address of the person at the other end, for the sign-in lockout (django-axes).

Behind PROXY_COUNT proxies the peer (REMOTE_ADDR) is the nearest proxy, and the client is the
address the outermost proxy saw: the PROXY_COUNT-th entry from the right of X-Forwarded-For,
as each proxy appends the address it received from. Entries further left were sent by the
client and are never believed. With no proxy, the header is ignored altogether. DRF's
throttles take the same entry (REST_FRAMEWORK["NUM_PROXIES"] is the same setting).
"""

from django.conf import settings
from ipware.ip import get_client_ip


def client_address(request) -> str | None:
    """The client's address, from the configured proxy hops or the peer."""
    proxies = settings.PROXY_COUNT
    if proxies:
        # django-ipware counts the proxies listed in the header; the nearest proxy is the peer,
        # not listed. Not strict: a client that sends its own header adds entries on the left.
        address, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxies - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if address:
            return address
    return request.META.get("REMOTE_ADDR")
