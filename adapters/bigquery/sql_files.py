"""The SQL under sql/: DDL, migrations and named queries, with the dataset filled in."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SQL_ROOT = Path(__file__).resolve().parents[2] / "sql"


def render(text: str, dataset: str) -> str:
    return text.replace("${dataset}", dataset)


def statements(text: str) -> list[str]:
    """Split a file on statement-ending semicolons; drop comment-only chunks."""
    no_comments = re.sub(r"--[^\n]*", "", text)
    return [s.strip() for s in no_comments.split(";") if s.strip()]


@cache
def query(name: str) -> str:
    """A named, parameterized query from sql/queries/<name>.sql, comments removed (the emulator
    counts an @name inside a comment as a parameter)."""
    text = (SQL_ROOT / "queries" / f"{name}.sql").read_text(encoding="utf-8")
    return re.sub(r"--[^\n]*", "", text).strip()


def ddl_files() -> list[Path]:
    return sorted((SQL_ROOT / "ddl").glob("*.sql"))


def migration_files() -> list[Path]:
    return sorted((SQL_ROOT / "migrations").glob("*.sql"))
