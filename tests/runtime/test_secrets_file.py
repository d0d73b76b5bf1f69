"""Secrets files: the AI and Salesforce settings read the same KEY=value format."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from runtime.ai.config import AiSettings
from runtime.salesforce.config import SalesforceSettings


def test_the_ai_key_is_read_from_its_secrets_file(tmp_path: Path) -> None:
    secrets = tmp_path / "ai.env"
    secrets.write_text("# the provider's key\nexport BATON_AI_API_KEY='sk-123'\nOTHER=x\n")
    settings = AiSettings(secrets_file=secrets)
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "sk-123"


def test_a_key_given_directly_wins_over_the_file(tmp_path: Path) -> None:
    secrets = tmp_path / "ai.env"
    secrets.write_text("API_KEY=from-file\n")
    settings = AiSettings(secrets_file=secrets, api_key="given")
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "given"


@pytest.mark.parametrize(
    ("model", "what"), [(AiSettings, "AI"), (SalesforceSettings, "Salesforce")]
)
def test_a_missing_secrets_file_is_refused_by_name(
    tmp_path: Path, model: type[AiSettings | SalesforceSettings], what: str
) -> None:
    with pytest.raises(ValidationError, match=f"cannot read the {what} secrets file"):
        model(secrets_file=tmp_path / "missing.env")
