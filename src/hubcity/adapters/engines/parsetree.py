"""DuckDB's parse tree of a query (``json_serialize_sql``), walked by the sandbox, the version
pinning of evidence packs and the text-index rewrite alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hubcity.domain.query import TableRef

__all__ = ["table_ref", "walk"]


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object of the tree, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def table_ref(node: dict[str, Any]) -> TableRef:
    """The table a BASE_TABLE node of DuckDB's parse tree names."""
    return TableRef(
        catalog=str(node.get("catalog_name") or "") or None,
        schema=str(node.get("schema_name") or "") or None,
        name=str(node.get("table_name") or ""),
    )
