"""Server-rendered pages."""

from .views import web_blueprint

__all__ = ["web_blueprint"]
