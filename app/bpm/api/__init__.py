"""The JSON API (/api/v1) of API.md."""

from .views import api_blueprint

__all__ = ["api_blueprint"]
