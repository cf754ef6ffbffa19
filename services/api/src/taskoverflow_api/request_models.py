"""Request bodies as pydantic models: the one definition that validates a body and documents it.

A field's rule lives in its type (an Annotated type with a validator that says what is wrong in
words, and the JSON Schema keywords that state the same rule to clients); a model lists the
fields. `parse` turns pydantic's errors into the API's one ValidationError naming the field.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema, ErrorDetails


class ValidationError(ValueError):
    """The client sent something the contract does not allow; the message says what and where (400)."""


class RequestModel(BaseModel):
    """A JSON request body: unknown fields refused, no type coercion beyond what a field's validator does."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    # How the message for unknown fields reads; a model may say what it takes instead.
    UNKNOWN_FIELDS: ClassVar[str] = "unknown or read-only fields: {names}"

    @classmethod
    def parse(cls, data: Any) -> Self:
        """The validated body, or ValidationError naming the first problem (unknown fields first)."""
        if not isinstance(data, dict):
            raise ValidationError("request body must be a JSON object")
        # Found here rather than from pydantic's errors: a key pydantic cannot read (a lone
        # surrogate) is still an unknown field, and named as one.
        unknown = sorted(str(name) for name in data if name not in cls.model_fields)
        if unknown:
            raise ValidationError(cls.UNKNOWN_FIELDS.format(names=", ".join(unknown)))
        try:
            return cls.model_validate(data)
        except PydanticValidationError as exc:
            raise ValidationError(cls._problem(exc.errors())) from None

    @staticmethod
    def _problem(errors: list[ErrorDetails]) -> str:
        missing = [error for error in errors if error["type"] == "missing"]
        error = (missing or errors)[0]
        if not error["loc"]:
            return f"request body is not valid: {error['msg']}"
        field = str(error["loc"][0])
        if error["type"] == "missing":
            return f"'{field}' is required"
        if error["type"] == "value_error":
            return f"'{field}' {error['ctx']['error']}"
        return f"'{field}' is not valid: {error['msg']}"

    def given(self) -> dict[str, Any]:
        """The fields the client sent (an update changes only those), as validated."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class _Schema(GenerateJsonSchema):
    # Titles pydantic derives from field names ("Deadline At") say nothing the names do not.
    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        return False

    def generate(self, schema: CoreSchema, mode: Any = "validation") -> JsonSchemaValue:
        generated = super().generate(schema, mode)
        generated.pop("title", None)
        return generated


def json_schema(model: type[BaseModel], *, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
    """The model's JSON Schema (2020-12, which OpenAPI 3.1 uses), for the OpenAPI document."""
    return model.model_json_schema(ref_template=ref_template, schema_generator=_Schema)
