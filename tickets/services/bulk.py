"""Writing many rows fast, without Django's bulk helpers.

bulk_create and bulk_update spend most of their time compiling SQL in Python (bulk_update
builds a CASE branch per row and field: 80 % of a 10,000-request re-score). Inserts go as
one prepared executemany; updates as one `UPDATE ... FROM (VALUES ...)` statement per
batch of rows (SQLite >= 3.33 and PostgreSQL both take it), so a batch of a thousand
requests is one statement, not a thousand.
"""

import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from operator import attrgetter
from typing import Any

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Max


def _connection() -> Any:
    # The wrapper itself, not the `connection` proxy: a proxy lookup per value costs
    # seconds over a million values.
    return connections[DEFAULT_DB_ALIAS]


# Fields whose values, built by our own code, the database drivers take as they are.
PASSED_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def _converters(fields: Sequence[Any], connection: Any) -> list[Callable[[Any], Any] | None]:
    """Per-field functions preparing a value for the database, None where the value goes
    as it is. Text, numbers, flags and keys need nothing; timestamps and decimals go
    straight to the backend's adapter. The values were built by our own code, and the
    general path's checks cost most of a large load's time."""
    ops = connection.ops
    converters: list[Callable[[Any], Any] | None] = []
    for field in fields:
        if isinstance(field, PASSED_AS_IS) or (
            field.is_relation and isinstance(field.target_field, models.IntegerField)
        ):
            converters.append(None)
        elif isinstance(field, models.DateTimeField):
            converters.append(ops.adapt_datetimefield_value)
        elif isinstance(field, models.DecimalField):
            converters.append(
                partial(
                    ops.adapt_decimalfield_value,
                    max_digits=field.max_digits,
                    decimal_places=field.decimal_places,
                )
            )
        else:
            converters.append(partial(field.get_db_prep_save, connection=connection))
    return converters


def _row_values(fields: Sequence[Any], connection: Any) -> Callable[[Any], list[Any]]:
    """A function reading an object's values for `fields`, ready for the database."""
    read = attrgetter(*[field.attname for field in fields])
    converted = [
        (index, convert)
        for index, convert in enumerate(_converters(fields, connection))
        if convert is not None
    ]

    def values(obj: Any) -> list[Any]:
        row = list(read(obj)) if len(fields) > 1 else [read(obj)]
        for index, convert in converted:
            row[index] = convert(row[index])
        return row

    return values


def insert_rows(model: type[models.Model], objs: list[Any]) -> None:
    """Insert rows with explicit keys (given here, after the current maximum), so that
    rows inserted next can refer to them without reading them back."""
    if not objs:
        return
    meta = model._meta
    next_pk = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
    for offset, obj in enumerate(objs):
        obj.pk = next_pk + offset
    fields = [field for field in meta.concrete_fields if not field.generated]
    timestamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in objs:
        for field in timestamped:
            field.pre_save(obj, add=True)
    connection = _connection()
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = _row_values(fields, connection)
    rows = [values(obj) for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# Bound parameters per statement: PostgreSQL's protocol allows 65,535.
POSTGRES_MAX_PARAMS = 65_535


def _max_params(connection: Any) -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return POSTGRES_MAX_PARAMS


def update_rows(model: type[models.Model], objs: list[Any], fields: list[str]) -> int:
    """Write `fields` of already loaded rows back, as bulk_update would: one UPDATE joined
    to a VALUES list per batch of rows (one batch unless the rows need more parameters
    than the database takes in one statement). Returns the number of statements run."""
    if not objs:
        return 0
    meta = model._meta
    by_name = {field.name: field for field in meta.concrete_fields}
    columns = [meta.pk, *[by_name[name] for name in fields]]
    connection = _connection()
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # VALUES has no column types of its own: without casts PostgreSQL reads the
        # parameters as text, which a timestamp or numeric column will not take.
        row_sql = "({})".format(
            ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in columns)
        )
    else:
        row_sql = "({})".format(", ".join(["%s"] * len(columns)))
    # A VALUES list names its columns column1, column2, ... on both databases.
    assignments = ", ".join(
        f"{quote(field.column)} = v.column{position}"
        for position, field in enumerate(columns[1:], start=2)
    )
    table = quote(meta.db_table)
    values = _row_values(columns, connection)
    per_statement = max(_max_params(connection) // len(columns), 1)
    statements = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            sql = "UPDATE {} SET {} FROM (VALUES {}) AS v WHERE {}.{} = v.column1".format(
                table, assignments, ", ".join([row_sql] * len(chunk)), table, quote(meta.pk.column)
            )
            cursor.execute(sql, [value for obj in chunk for value in values(obj)])
            statements += 1
    return statements


def reset_sequences(model_list: list[type[models.Model]]) -> None:
    """After inserting explicit keys, let the database's own key sequence continue."""
    connection = _connection()
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
