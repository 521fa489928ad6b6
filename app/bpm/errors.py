"""Errors services raise; the web and API layers turn each into a status and a message."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message_key: str, **params: Any) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.params = params


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class FormRejected(ServiceError):
    status = 400
    code = "validation_failed"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("form.has_errors")
        self.errors = errors


class DataTooLarge(ServiceError):
    """A step would leave the instance's data larger than the configured limit; nothing was saved."""

    status = 413
    code = "data_too_large"


class DeploymentRejected(ServiceError):
    status = 400
    code = "invalid_diagram"

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__("error.invalid_diagram")
        self.problems = problems


class ProcessFailed(ServiceError):
    """The engine could not go on (a script or condition failed); nothing was saved."""

    status = 422
    code = "process_error"
