"""Server-rendered pages."""

from . import archive_views, modeler_views, service_views
from .views import web_blueprint

__all__ = ["archive_views", "modeler_views", "service_views", "web_blueprint"]
