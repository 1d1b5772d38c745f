"""Arrow schemas and Hugging Face Features built from the YAML files in ``schemas/``.

The YAML files are the single source of truth; this module only translates them. Column types
use a small, readable grammar: ``string``, ``binary``, ``bool``, ``int32``, ``int64``,
``float32``, ``float64``, ``list<T>`` and ``struct<name: T, ...>``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pyarrow as pa
import yaml

SCALARS: dict[str, pa.DataType] = {
    "string": pa.string(),
    "binary": pa.binary(),
    "bool": pa.bool_(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float32": pa.float32(),
    "float64": pa.float64(),
}


#: Arrow scalar → the ``dtype`` of a ``datasets.Value`` (what ``Features.from_arrow_schema`` gives).
HF_DTYPES: dict[pa.DataType, str] = {
    pa.string(): "string", pa.binary(): "binary", pa.bool_(): "bool", pa.int32(): "int32", pa.int64(): "int64",
    pa.float32(): "float32", pa.float64(): "float64",
}  # fmt: skip


class SchemaError(ValueError):
    """A table does not match its schema in ``schemas/``."""


def parse_type(spec: str) -> pa.DataType:
    """Turn a type string such as ``list<struct<start: int32, end: int32>>`` into an Arrow type."""
    spec = spec.strip()
    if spec in SCALARS:
        return SCALARS[spec]
    if spec.startswith("list<") and spec.endswith(">"):
        return pa.list_(parse_type(spec[5:-1]))
    if spec.startswith("struct<") and spec.endswith(">"):
        fields = []
        for part in _split_top_level(spec[7:-1]):
            name, _, sub = part.partition(":")
            fields.append(pa.field(name.strip(), parse_type(sub)))
        return pa.struct(fields)
    raise SchemaError(f"unknown column type {spec!r}")


def hf_feature(arrow_type: pa.DataType) -> dict[str, Any]:
    """The ``datasets`` feature dict of an Arrow type of the schema grammar, as
    ``datasets.Features.from_arrow_schema(...).to_dict()`` writes it: ``{"dtype", "_type": "Value"}``
    for scalars, ``{"feature", "_type": "List"}`` for lists, a plain dict of fields for structs."""
    if pa.types.is_list(arrow_type):
        return {"feature": hf_feature(arrow_type.value_type), "_type": "List"}
    if pa.types.is_struct(arrow_type):
        return {arrow_type.field(i).name: hf_feature(arrow_type.field(i).type) for i in range(arrow_type.num_fields)}
    if arrow_type in HF_DTYPES:
        return {"dtype": HF_DTYPES[arrow_type], "_type": "Value"}
    raise SchemaError(f"no datasets feature for Arrow type {arrow_type}")


def _split_top_level(body: str) -> list[str]:
    """Split on commas that are not nested inside ``<...>``."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return [p for p in (p.strip() for p in parts) if p]


@dataclass(frozen=True)
class TableSchema:
    """One table of the dataset, as declared in ``schemas/<name>.yaml``."""

    name: str
    version: str
    description: str
    columns: tuple[dict[str, Any], ...]

    @property
    def column_names(self) -> list[str]:
        return [c["name"] for c in self.columns]

    @functools.cached_property
    def arrow(self) -> pa.Schema:
        fields = [
            pa.field(
                c["name"],
                parse_type(c["type"]),
                nullable=c.get("nullable", True),
                metadata={"description": c.get("description", "")},
            )
            for c in self.columns
        ]
        return pa.schema(fields, metadata={"pagegold_table": self.name, "pagegold_schema_version": self.version})

    @functools.cached_property
    def features(self) -> "datasets.Features":  # noqa: F821 - imported lazily, datasets is slow to import
        import datasets

        return datasets.Features.from_arrow_schema(self.arrow)

    @functools.cached_property
    def features_dict(self) -> dict[str, Any]:
        """``features.to_dict()`` computed from the Arrow schema without importing ``datasets``
        (a second of start-up in every ingest process); tests/test_schema_features.py checks it
        equals what ``datasets`` gives for every schema in ``schemas/``."""
        return {f.name: hf_feature(f.type) for f in self.arrow}

    @functools.cached_property
    def _hf_schema(self) -> pa.Schema:
        hf = json.dumps({"info": {"features": self.features_dict}})
        return self.arrow.with_metadata({**self.arrow.metadata, b"huggingface": hf.encode()})

    def arrow_with_hf_metadata(self) -> pa.Schema:
        """The Arrow schema plus the ``huggingface`` metadata key that ``datasets`` reads back.

        ``load_dataset(data_files=...)`` ignores the card's YAML features, so each Parquet file
        carries its own (``datasets`` reads the features from the Parquet schema's ``huggingface`` key).
        Built once per schema: every row group of every file written uses it.
        """
        return self._hf_schema

    def table(self, rows: list[dict[str, Any]]) -> pa.Table:
        """Build a table from row dicts; missing nullable columns become null."""
        columns = {name: [row.get(name) for row in rows] for name in self.column_names}
        try:
            table = pa.table(columns, schema=self.arrow_with_hf_metadata())
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise SchemaError(f"rows do not fit table {self.name!r}: {exc}") from exc
        self.validate(table)
        return table

    def validate(self, table: pa.Table) -> None:
        """Raise SchemaError unless ``table`` has exactly this schema's columns, types and nulls."""
        if table.schema.names != self.column_names:
            raise SchemaError(
                f"table {self.name!r}: columns {table.schema.names} differ from schemas/{self.name}.yaml {self.column_names}"
            )
        for field in self.arrow:
            got = table.schema.field(field.name)
            if not got.type.equals(field.type):
                raise SchemaError(f"table {self.name!r}: column {field.name!r} is {got.type}, schema says {field.type}")
            if not field.nullable and table.column(field.name).null_count:
                raise SchemaError(f"table {self.name!r}: column {field.name!r} has nulls but is not nullable")


@functools.cache
def load(name: str, version: str | None = None) -> TableSchema:
    """Read ``schemas/<name>.yaml``; an older ``version`` (as a release's manifest records it)
    from ``schemas/history/<name>-<version>.yaml``, so old releases stay verifiable."""
    path = resources.files("schemas") / f"{name}.yaml"
    if version is not None and path.is_file() and str(yaml.safe_load(path.read_text(encoding="utf-8"))["version"]) != version:
        path = resources.files("schemas") / "history" / f"{name}-{version}.yaml"
    if not path.is_file():
        raise SchemaError(f"no schema for table {name!r}" + (f" version {version}" if version else "")
                          + f" (expected schemas/{name}.yaml or schemas/history/)")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return TableSchema(spec["name"], str(spec["version"]), spec.get("description", "").strip(), tuple(spec["columns"]))


TABLES = ("pages", "raw_pages", "boilerplate_gold", "zone_gold", "entity_gold", "annotations", "predictions", "results")
RELEASE_TABLES = ("pages", "raw_pages", "boilerplate_gold", "zone_gold", "entity_gold", "annotations")


def all_schemas() -> dict[str, TableSchema]:
    return {name: load(name) for name in TABLES}
