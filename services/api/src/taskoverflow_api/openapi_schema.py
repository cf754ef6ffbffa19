"""The pieces every part of the OpenAPI document is built from: JSON responses, the one error shape,
and the components the request and response models register."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .request_models import json_schema

ERROR_SCHEMA: dict[str, Any] = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}


class Components:
    """components/schemas of one document; models land here and are referred to by name."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}

    def ref(self, model: type[BaseModel]) -> dict[str, Any]:
        """A $ref to the model's schema, registered under the model's name."""
        self.schemas[model.__name__] = self.inline(model)
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    def inline(self, model: type[BaseModel]) -> dict[str, Any]:
        """The model's schema itself (a request body, read in place), its sub-schemas registered."""
        schema = json_schema(model, ref_template="#/components/schemas/{model}")
        self.schemas.update(schema.pop("$defs", {}))
        return schema


def json_content(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict[str, Any]:
    return json_content(description, {"$ref": "#/components/schemas/Error"})


def json_body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


BAD_BODY = {
    "400": error("The body breaks the contract: the message names the field."),
    "413": error("The body is over 1 MiB."),
    "415": error("The body is not JSON."),
}
