"""Placeholder views: the pages helper replaces these with the real pages."""

from django.http import HttpResponse


def _placeholder(request, pk=None):
    return HttpResponse("Not built yet", status=501)


queue = detail = feedback = escalation_list = escalation_detail = _placeholder
