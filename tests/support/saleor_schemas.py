"""The real Saleor schemas from ../shared/saleor (3.23 release and next), parsed once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import GraphQLEnumType, GraphQLSchema, build_schema

SHARED_SALEOR = Path(__file__).resolve().parents[3] / "shared" / "saleor"
SCHEMA_FILES = {"3.23": "schema.graphql", "next": "schema-next.graphql"}


@cache
def saleor_schema(version: str) -> GraphQLSchema:
    """The parsed Saleor schema of that version."""
    return build_schema((SHARED_SALEOR / SCHEMA_FILES[version]).read_text())


def enum_values(version: str, name: str) -> set[str]:
    """Names of a Saleor enum's values."""
    enum = saleor_schema(version).get_type(name)
    assert isinstance(enum, GraphQLEnumType), name
    return set(enum.values)
