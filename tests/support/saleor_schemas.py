"""The real Saleor schemas in tests/fixtures/saleor (3.23 release and next), parsed once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import GraphQLEnumType, GraphQLSchema, build_schema

SALEOR_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "saleor"
SCHEMA_FILES = {"3.23": "schema.graphql", "next": "schema-next.graphql"}


@cache
def saleor_schema(version: str) -> GraphQLSchema:
    """The parsed Saleor schema of that version."""
    return build_schema((SALEOR_FIXTURES / SCHEMA_FILES[version]).read_text())


def enum_values(version: str, name: str) -> set[str]:
    """Names of a Saleor enum's values."""
    enum = saleor_schema(version).get_type(name)
    assert isinstance(enum, GraphQLEnumType), name
    return set(enum.values)
