"""Croissant (MLCommons) metadata for a Hub export, built with ``mlcroissant`` from the manifest.

Why: Croissant is what dataset search engines and ML tooling read to know the files, the record
sets and their columns without running any loader. Each table of the latest release becomes a
``FileSet`` (its Parquet files, listed from the manifest) and a ``RecordSet`` whose fields are the
Parquet schema's columns (nested lists and structs as repeated fields and sub-fields).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from curation import dataset

LICENSE_URLS = {"MIT": "https://spdx.org/licenses/MIT.html", "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
                "Apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0"}  # fmt: skip


def _data_type(arrow: pa.DataType) -> str:
    import mlcroissant as mlc

    if pa.types.is_boolean(arrow):
        return mlc.DataType.BOOL
    if pa.types.is_integer(arrow):
        return mlc.DataType.INTEGER
    if pa.types.is_floating(arrow):
        return mlc.DataType.FLOAT
    if pa.types.is_timestamp(arrow):
        return mlc.DataType.DATETIME
    if pa.types.is_date(arrow):
        return mlc.DataType.DATE
    return mlc.DataType.TEXT  # strings, and raw bytes (served as text by the Parquet reader)


def _field(ctx: Any, table: str, fileset: str, name: str, path: str, arrow: pa.DataType):
    """One Croissant field for a (possibly nested) Parquet column."""
    import mlcroissant as mlc

    repeated = pa.types.is_list(arrow) or pa.types.is_large_list(arrow)
    inner = arrow.value_type if repeated else arrow
    source = mlc.Source(ctx=ctx, file_set=fileset, extract=mlc.Extract(ctx=ctx, column=path))
    kwargs: dict[str, Any] = {"ctx": ctx, "id": f"{table}/{path}", "name": name, "source": source, "repeated": repeated}
    if pa.types.is_struct(inner):
        kwargs["sub_fields"] = [
            _field(ctx, table, fileset, child.name, f"{path}/{child.name}", child.type) for child in inner
        ]
    else:
        kwargs["data_types"] = [_data_type(inner)]
    return mlc.Field(**kwargs)


def build(out: Path, root: Path, repo_id: str, description: str, licenses: list[str]) -> dict[str, Any]:
    """The Croissant JSON-LD for the export in ``out`` (files are read for their Parquet schemas)."""
    import mlcroissant as mlc

    version = dataset.latest_version(root)
    manifest = dataset.read_manifest(version, root)
    ctx = mlc.Context()
    distribution, record_sets = [], []
    for table, entry in manifest["tables"].items():
        fileset = f"{table}-files"
        paths = [f"data/{f['path']}" for f in entry["files"]]
        distribution.append(mlc.FileSet(ctx=ctx, id=fileset, name=fileset, includes=paths,
                                        encoding_formats=["application/x-parquet"]))  # fmt: skip
        schema = pq.read_schema(out / paths[0])
        fields = [_field(ctx, table, fileset, col.name, col.name, col.type) for col in schema]
        record_sets.append(mlc.RecordSet(ctx=ctx, id=table, name=table, fields=fields,
                                         description=f"The `{table}` table of release {version}."))  # fmt: skip
    created = manifest.get("created")
    metadata = mlc.Metadata(
        ctx=ctx, name=repo_id.split("/")[-1], description=description, version=version.lstrip("v"),
        date_published=datetime.fromisoformat(created) if created else None,
        url=f"https://huggingface.co/datasets/{repo_id}", license=[LICENSE_URLS.get(x, x) for x in licenses],
        cite_as=f"https://huggingface.co/datasets/{repo_id}", distribution=distribution, record_sets=record_sets,
    )  # fmt: skip
    return metadata.to_json()


def write(out: Path, root: Path, repo_id: str, description: str, licenses: list[str]) -> Path:
    path = Path(out) / "croissant.json"
    path.write_text(
        json.dumps(build(out, root, repo_id, description, licenses), indent=1, default=str), encoding="utf-8"
    )
    return path
