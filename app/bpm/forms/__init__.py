"""Task forms: JSON Schema definitions from `forms/`, turned into marshmallow validation, HTML
field descriptions and the API's form description. One definition drives all three."""

from .definition import FieldSpec, FormDefinition, FormInvalid, load_form, read_forms_dir
from .validation import FormErrors, draft_errors, validate_form_data
from .views import FieldView, coerce_html_form, describe_form, field_views

__all__ = [
    "FieldSpec",
    "FieldView",
    "FormDefinition",
    "FormErrors",
    "FormInvalid",
    "coerce_html_form",
    "describe_form",
    "draft_errors",
    "field_views",
    "load_form",
    "read_forms_dir",
    "validate_form_data",
]
