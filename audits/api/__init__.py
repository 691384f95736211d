"""The REST API under /api/: thin views, each with its own input and output serializers.

Views validate input with a serializer, ask permissions.py, call one service (writes) or
selector (reads) and answer with an output serializer. Routes are in audits/api_urls.py.
"""
