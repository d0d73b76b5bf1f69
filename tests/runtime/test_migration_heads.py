"""The schema's history ends in one revision, so `head` means one thing everywhere."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from runtime.store.migrate import alembic_config


def test_migrations_have_exactly_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several heads {sorted(heads)}: add a merge revision joining them"
