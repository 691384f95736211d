#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as refusal:
        # Half-configured production (config/environment.py): the one message, no traceback.
        if not str(refusal).startswith("Refusing to start"):
            raise
        sys.exit(str(refusal))
