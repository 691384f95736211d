"""The moderation part of the REST API under /api/; routes are in audits/api_urls.py.

The same shape as audits/api: input serializer -> permissions -> one service or selector ->
output serializer. Domain errors become 400/409 in core.api_errors.exception_handler.
"""
