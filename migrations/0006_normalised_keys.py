"""Normalised unique keys (admission numbers, term and fee structure names); e-mails per account.

1. Adds the key columns, computes every existing row's key with the domain's one
   normaliser (`domain.keys.normalise_key`), then puts them under unique indexes.
   Rows of one school whose values differ only byte for byte (RA/0200 and ra/0200) would
   make that index fail: the migration then stops and rolls back entirely (it is atomic),
   naming every conflict, so that an operator renames the rows meant and migrates again.
   Merging or renaming them automatically would guess which student a payment meant.
2. E-mails become unique within an account instead of across all accounts: users are
   found by their token, never by e-mail across accounts.
"""

from typing import Any

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from domain.keys import normalise_key

# Tortoise splits SQLite DDL on ";": descriptions and comments here avoid it.

#: (table, typed column, key column) of each value compared by its key.
KEYED = [
    ("student", "admission_number", "admission_key"),
    ("term", "name", "name_key"),
    ("fee_structure", "name", "name_key"),
]


class DuplicateKeys(RuntimeError):
    """Existing rows of one school that the normalised unique key would merge."""


async def fill_keys(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    pg = client.capabilities.dialect == "postgres"
    conflicts: list[str] = []
    for table, column, key in KEYED:
        rows = await client.execute_query_dict(
            f"SELECT id, school_id, {column} AS value FROM {table} ORDER BY id"
        )
        first: dict[tuple[int, str], dict[str, Any]] = {}
        updates: list[list[Any]] = []
        for row in rows:
            value = normalise_key(row["value"])
            updates.append([value, row["id"]])
            earlier = first.setdefault((row["school_id"], value), row)
            if earlier is not row:
                conflicts.append(
                    f"{table} of school {row['school_id']}: id {earlier['id']} "
                    f"{earlier['value']!r} and id {row['id']} {row['value']!r}"
                )
        if updates:
            query = (
                f"UPDATE {table} SET {key} = {'$1' if pg else '?'} WHERE id = {'$2' if pg else '?'}"
            )
            await client.execute_many(query, updates)
    if conflicts:
        raise DuplicateKeys(
            "Migration 0006 stopped (nothing changed): these rows differ only in case, width "
            "or invisible characters; rename one of each pair, then migrate again:\n  "
            + "\n  ".join(conflicts)
        )


def _key_field() -> fields.CharField:
    return fields.CharField(
        description="normalise_key of the typed value, unique within the school (migration 0006).",
        db_default="",
        max_length=400,
    )


class Migration(migrations.Migration):
    # After 0008 (documents, merged first, also on 0005): one chain, not two heads.
    dependencies = [("models", "0005_lookup_indexes")]

    initial = False

    operations = [
        ops.AddField(model_name="Student", name="admission_key", field=_key_field()),
        ops.AddField(model_name="Term", name="name_key", field=_key_field()),
        ops.AddField(model_name="FeeStructure", name="name_key", field=_key_field()),
        ops.RunPython(fill_keys, ops.RunPython.noop),
        ops.AlterModelOptions(
            name="Student",
            options={
                "table": "student",
                "app": "models",
                "unique_together": (("school", "admission_number"), ("school", "admission_key")),
                "indexes": [Index(fields=["school_id", "school_class_id"])],
                "pk_attr": "id",
                "table_description": "A student - admission numbers are unique within a school, "
                "compared by their key.",
            },
        ),
        ops.AddConstraint(
            model_name="Student",
            constraint=UniqueConstraint(fields=("school", "admission_key"), name=None),
        ),
        ops.AlterModelOptions(
            name="Term",
            options={
                "table": "term",
                "app": "models",
                "unique_together": (("school", "name"), ("school", "name_key")),
                "pk_attr": "id",
                "table_description": "A school term: the period a billing run bills for, "
                "names unique by their key.",
            },
        ),
        ops.AddConstraint(
            model_name="Term",
            constraint=UniqueConstraint(fields=("school", "name_key"), name=None),
        ),
        ops.AlterModelOptions(
            name="FeeStructure",
            options={
                "table": "fee_structure",
                "app": "models",
                "unique_together": (("school", "name"), ("school", "name_key")),
                "pk_attr": "id",
                "table_description": "What a school charges for a term (e.g. Term Tuition Fee), "
                "names unique by their key.",
            },
        ),
        ops.AddConstraint(
            model_name="FeeStructure",
            constraint=UniqueConstraint(fields=("school", "name_key"), name=None),
        ),
        ops.AlterField(
            model_name="User",
            name="email",
            field=fields.CharField(
                description="Unique within its account only (two accounts may each have a user "
                "of one address).",
                max_length=254,
            ),
        ),
        ops.AddConstraint(
            model_name="User",
            constraint=UniqueConstraint(fields=("account", "email"), name=None),
        ),
    ]
