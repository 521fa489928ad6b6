"""Server-rendered pages."""

from . import service_views
from .views import web_blueprint

__all__ = ["service_views", "web_blueprint"]
