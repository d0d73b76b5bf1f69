"""``baton relay`` without a broker says what to set and starts nothing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from designer.cli import cli


def test_relay_without_a_broker_is_refused(tmp_path: Path) -> None:
    env = {"BATON_INSTANCE_PATH": str(tmp_path), "REDIS_URL": "", "BATON_REDIS_URL": "",
           "BATON_BROKER_URL": "", "DATABASE_URL": "", "BATON_DATABASE_URL": ""}  # fmt: skip
    result = CliRunner().invoke(cli, ["relay"], env=env)
    assert result.exit_code == 1
    assert "set BATON_BROKER_URL or REDIS_URL" in result.output
    assert not (tmp_path / "baton.db").exists()  # refused before touching the store
