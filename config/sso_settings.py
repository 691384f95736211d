"""The council's details shown on the public pages (accessibility statement, privacy notice,
cookies), read from environment variables. Imported at the end of config/settings.py."""

import os

# ---------------------------------------------------------------- the council's details
# Shown on /accessibility-statement/, /privacy/ and /cookies/. Unset, the pages still read as
# plain sentences ("the council that runs this service"); a council sets all four.
COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "").strip()
COUNCIL_DPO_EMAIL = os.environ.get("COUNCIL_DPO_EMAIL", "").strip()
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", "").strip()
# How long the council keeps audit records, in words ("6 years after the audit").
RECORDS_RETENTION_PERIOD = os.environ.get("RECORDS_RETENTION_PERIOD", "").strip()
# Messages ("Two-factor sign-in is on.") live in the session, never in a cookie of their own:
# the service sets the session and CSRF cookies and nothing else (the cookies page says so).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
