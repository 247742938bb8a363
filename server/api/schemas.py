"""Shared marshmallow bases: unknown fields are refused, so a typo never silently drops data."""
from marshmallow import RAISE, Schema, fields


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ErrorSchema(Schema):
    code = fields.String()
    message = fields.String()
    details = fields.Dict()


class ErrorEnvelope(Schema):
    error = fields.Nested(ErrorSchema)
