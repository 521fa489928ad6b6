"""Server-rendered pages of the platform (the modeler's routes are in modeler_views)."""

from . import modeler_views
from .views import web_blueprint

__all__ = ["modeler_views", "web_blueprint"]
