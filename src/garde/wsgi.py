"""WSGI entry point (Granian in `garde serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "garde.settings")
application = get_wsgi_application()
