"""WSGI entry point for production servers (gunicorn: ``stocktake.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stocktake.settings")
application = get_wsgi_application()
