"""Appends rows to BigQuery tables through the Storage Write API's default stream (Arrow rows).

Why the default stream and not committed streams with offsets: a committed stream's offsets make
one append exactly-once *within that stream*, but a batch redelivered by the broker lands on
another persister process (another host), whose stream has its own offsets, so the warehouse
must remove duplicates by key at read time anyway (the v_* views of migration 011). With that in
place, per-process committed streams would add a CreateWriteStream per process, a stream
lifecycle (finalize, expiry after idle, re-creation) and a per-stream ordering constraint, and buy
nothing. The default stream is always open, never finalized, shared by any number of writers,
and has the highest throughput quota.

bqemulator 1.4.0 serves AppendRows but shapes the appended rows from its catalog with only each
column's name, type and mode (grpc_api/write_servicer.py: _table_arrow_schema): a RECORD column
has no fields there, and DuckDB refuses the append ("a STRUCT with no fields"). On the emulator,
tables with RECORD columns (job_enrichments) therefore go through `InsertAllAppender` (the
legacy streaming insertAll, also append-only and O(batch)); `RoutedAppender` picks per table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import pyarrow as pa
from google.cloud import bigquery
from google.cloud.bigquery_storage_v1 import BigQueryWriteClient, types

from adapters.bigquery.client import translated
from domain.errors import PermanentError, TransientError

_SCALARS: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "JSON": pa.string(),  # JSON travels as its text
    "INTEGER": pa.int64(),
    "INT64": pa.int64(),
    "FLOAT": pa.float64(),
    "FLOAT64": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "BOOL": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
}

# gRPC status codes (google.rpc.Code) an append response can carry in-band that a retry can
# cure: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE.
_RETRYABLE_CODES = frozenset((4, 8, 10, 13, 14))


def make_write_client(endpoint: str | None) -> BigQueryWriteClient:
    """A Storage Write API client: Google's endpoint with Application Default Credentials, or
    with `endpoint` ("host:port", plaintext gRPC) a local emulator."""
    if endpoint:
        import grpc
        from google.cloud.bigquery_storage_v1.services.big_query_write.transports import (
            BigQueryWriteGrpcTransport,
        )

        channel = grpc.insecure_channel(endpoint)
        return BigQueryWriteClient(transport=BigQueryWriteGrpcTransport(channel=channel))
    return BigQueryWriteClient()


def arrow_type(field: bigquery.SchemaField) -> pa.DataType:
    """The Arrow type the Write API expects for one BigQuery column (REPEATED -> list)."""
    kind = field.field_type.upper()
    if kind in ("RECORD", "STRUCT"):
        base: pa.DataType = pa.struct([pa.field(f.name, arrow_type(f)) for f in field.fields])
    elif kind in _SCALARS:
        base = _SCALARS[kind]
    else:
        raise PermanentError(f"BigQuery append: column {field.name} has unsupported type {kind}")
    return pa.list_(base) if field.mode == "REPEATED" else base


def _value(field: bigquery.SchemaField, v: Any) -> Any:
    if field.mode == "REPEATED":
        return [_one(field, x) for x in (v or ())]  # BigQuery has no NULL array: empty
    return None if v is None else _one(field, v)


def _one(field: bigquery.SchemaField, v: Any) -> Any:
    kind = field.field_type.upper()
    if kind == "JSON":
        return json.dumps(v)
    if kind == "TIMESTAMP" and isinstance(v, str):
        dt = datetime.fromisoformat(v)
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    if kind in ("RECORD", "STRUCT"):
        return {f.name: _value(f, v.get(f.name)) for f in field.fields}
    return v


class Appender(Protocol):
    def append(self, table: str, rows: Sequence[dict[str, Any]]) -> int: ...


class AppendWriter:
    """Appends rows (plain dicts keyed by column name) to tables of one dataset.

    Each call is one AppendRows request on the table's `_default` stream: the rows are committed
    when it returns; nothing of the target table is read, so the cost is O(rows sent).
    Errors: PermanentError when the rows do not fit the table (a column the table lacks, a value
    of the wrong type: the warehouse is behind the code, run `enrich migrate`); TransientError
    when the service is unavailable or throttling (the caller retries the whole batch, and the
    read views drop what the first attempt already appended).
    """

    def __init__(
        self,
        client: bigquery.Client,
        dataset: str,
        write_client: BigQueryWriteClient,
        deadline_s: float = 120.0,
    ) -> None:
        self.client = client
        self.dataset = dataset  # "project.dataset"
        self.write_client = write_client
        self.deadline_s = deadline_s
        self._schemas: dict[str, list[bigquery.SchemaField]] = {}

    def _schema(self, table: str) -> list[bigquery.SchemaField]:
        if table not in self._schemas:
            with translated(f"append {table}: read schema"):
                self._schemas[table] = list(self.client.get_table(f"{self.dataset}.{table}").schema)
        return self._schemas[table]

    def _stream(self, table: str) -> str:
        project, dataset = self.dataset.split(".", 1)
        return f"projects/{project}/datasets/{dataset}/tables/{table}/streams/_default"

    def batch(self, table: str, rows: Sequence[dict[str, Any]]) -> pa.RecordBatch:
        """`rows` as an Arrow batch in the table's live schema (only the columns the rows name).

        Raises PermanentError naming the columns the table lacks, or the column whose values do
        not convert."""
        fields = self._schema(table)
        by_name = {f.name: f for f in fields}
        names = list(dict.fromkeys(k for r in rows for k in r))
        missing = [n for n in names if n not in by_name]
        if missing:
            self._schemas.pop(table, None)  # read it again next time: a migration may follow
            raise PermanentError(
                f"BigQuery append {table}: the table has no column {', '.join(missing)}; "
                "the warehouse schema is older than this code: run `enrich migrate`"
            )
        used = [by_name[n] for n in names]
        for f in used:
            if f.field_type.upper() in ("RECORD", "STRUCT") and not f.fields:
                raise PermanentError(
                    f"BigQuery append {table}: column {f.name} is a RECORD without fields in "
                    "the table's schema (an emulator catalog not repaired by `enrich migrate`)"
                )
        schema = pa.schema([pa.field(f.name, arrow_type(f)) for f in used])
        columns = []
        for f, af in zip(used, schema, strict=True):
            try:
                columns.append(pa.array([_value(f, r.get(f.name)) for r in rows], type=af.type))
            except (pa.ArrowException, TypeError, ValueError, AttributeError) as exc:
                raise PermanentError(
                    f"BigQuery append {table}: column {f.name} ({f.field_type}) does not take "
                    f"the values sent: {type(exc).__name__}"
                ) from exc
        return pa.RecordBatch.from_arrays(columns, schema=schema)

    def append(self, table: str, rows: Sequence[dict[str, Any]]) -> int:
        """Append `rows` to `table`; returns how many were sent (0 sends nothing)."""
        if not rows:
            return 0
        batch = self.batch(table, rows)
        request = types.AppendRowsRequest(
            write_stream=self._stream(table),
            arrow_rows=types.AppendRowsRequest.ArrowData(
                writer_schema=types.ArrowSchema(
                    serialized_schema=batch.schema.serialize().to_pybytes()
                ),
                rows=types.ArrowRecordBatch(serialized_record_batch=batch.serialize().to_pybytes()),
            ),
        )
        with translated(f"append {table}"):
            for resp in self.write_client.append_rows(iter([request]), timeout=self.deadline_s):
                self._check(table, resp)
        return len(rows)

    def _check(self, table: str, resp: types.AppendRowsResponse) -> None:
        if resp.row_errors:
            first = resp.row_errors[0]
            raise PermanentError(
                f"BigQuery append {table}: {len(resp.row_errors)} row(s) refused, "
                f"first at index {first.index}: {first.message[:200]}"
            )
        if resp.error.code:
            msg = f"BigQuery append {table}: status {resp.error.code}: {resp.error.message[:300]}"
            if resp.error.code in _RETRYABLE_CODES:
                raise TransientError(msg)
            self._schemas.pop(table, None)
            raise PermanentError(msg)


def repair_emulator_catalog(client: bigquery.Client, dataset: str, tables: Sequence[str]) -> None:
    """bqemulator 1.4.0 keeps a catalog beside its DuckDB tables that misses what DDL made later
    (columns added by ALTER TABLE) and the fields of a RECORD created by SQL DDL; its Write API
    shapes appended rows from that catalog. The real columns come back on a query's result
    schema, so each table's catalog entry is patched from there (tables not there yet are
    skipped). Only for the emulator: on BigQuery tables.get already answers the full schema."""
    existing = {t.table_id for t in client.list_tables(dataset)}
    for table in tables:
        if table not in existing:
            continue
        ref = f"{dataset}.{table}"
        live = client.query(f"SELECT * FROM `{ref}` LIMIT 0").result().schema
        meta = client.get_table(ref)
        modes = {f.name: f.mode for f in meta.schema}
        meta.schema = [
            bigquery.SchemaField(f.name, f.field_type, modes.get(f.name, f.mode), fields=f.fields)
            for f in live
        ]
        client.update_table(meta, ["schema"])


def _json_value(field: bigquery.SchemaField, v: Any) -> Any:
    """A column value as insertAll's JSON takes it (timestamps ISO, JSON columns as text)."""
    if field.mode == "REPEATED":
        return [_json_one(field, x) for x in (v or ())]
    return None if v is None else _json_one(field, v)


def _json_one(field: bigquery.SchemaField, v: Any) -> Any:
    kind = field.field_type.upper()
    if kind == "JSON":
        return json.dumps(v)
    if kind == "TIMESTAMP" and isinstance(v, datetime):
        return v.isoformat()
    if kind in ("RECORD", "STRUCT"):
        return {f.name: _json_value(f, v.get(f.name)) for f in field.fields}
    return v


class InsertAllAppender(AppendWriter):
    """Appends through tabledata.insertAll (legacy streaming inserts): also append-only and
    O(batch), with a best-effort insertId per row. Used on the emulator for tables whose RECORD
    columns its Write API cannot take; same errors as AppendWriter."""

    def append(self, table: str, rows: Sequence[dict[str, Any]]) -> int:
        if not rows:
            return 0
        self.batch(table, rows)  # the same schema checks and errors as the Write API path
        by_name = {f.name: f for f in self._schema(table)}
        body = [{k: _json_value(by_name[k], v) for k, v in r.items()} for r in rows]
        with translated(f"insertAll {table}"):
            errors = self.client.insert_rows_json(
                f"{self.dataset}.{table}", body, row_ids=[r.get("row_id") for r in rows],
                timeout=self.deadline_s,
            )  # fmt: skip
        if errors:
            raise PermanentError(
                f"BigQuery insertAll {table}: {len(errors)} row(s) refused, first: "
                f"{str(errors[0])[:200]}"
            )
        return len(rows)


class RoutedAppender:
    """One appender per table, a default for the others (see the module docstring)."""

    def __init__(self, default: Appender, routes: dict[str, Appender]) -> None:
        self.default = default
        self.routes = routes

    def append(self, table: str, rows: Sequence[dict[str, Any]]) -> int:
        return self.routes.get(table, self.default).append(table, rows)


def make_appender(
    client: bigquery.Client, dataset: str, write_endpoint: str | None, emulator: bool,
    deadline_s: float = 120.0,
) -> Appender:  # fmt: skip
    """The store's appender: the Storage Write API for every table on BigQuery; on the emulator
    (`write_endpoint` its gRPC host:port) the Write API except job_enrichments (insertAll)."""
    writer = AppendWriter(client, dataset, make_write_client(write_endpoint), deadline_s)
    if not emulator:
        return writer
    return RoutedAppender(
        writer, {"job_enrichments": InsertAllAppender(client, dataset, writer.write_client)}
    )
