"""The AI provider's settings: where the OpenAI-compatible endpoint is, and how to call it.

Read from the environment (``BATON_AI_*``); the key may also come from a secrets file named
by ``BATON_AI_SECRETS_FILE`` (``KEY=value`` lines; the environment wins). The key is a
:class:`~pydantic.SecretStr`: never stored, logged or sent to the browser; only
:meth:`AiSettings.public` leaves this module for display.

>>> s = AiSettings(base_url="http://127.0.0.1:11434/v1", api_key="sk-secret")
>>> s.configured, "sk-secret" in repr(s), s.public()["api_key_set"]
(True, False, True)
>>> round(AiSettings(price_per_1k_input=0.5, price_per_1k_output=1.5).cost(1000, 2000), 4)
3.5
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from runtime.secrets_file import read_key_values

__all__ = ["AiSettings"]


class AiSettings(BaseSettings):
    """The provider endpoint of AI steps whose provider is ``openai``, and its limits."""

    model_config = SettingsConfigDict(env_prefix="BATON_AI_", extra="ignore")

    base_url: str | None = Field(
        default=None,
        description="An OpenAI-compatible API root, such as https://api.openai.com/v1 or "
        "http://localhost:11434/v1 (Ollama); chat completions are POSTed to "
        "<base_url>/chat/completions",
    )
    model: str = Field(default="gpt-4o-mini", description="Used when a step names none")
    api_key: SecretStr | None = None
    secrets_file: Path | None = Field(default=None, description="A KEY=value file with the key")
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=10, description="Tries per call (429, 5xx)")
    backoff_seconds: float = Field(default=1.0, ge=0, description="First retry delay")
    max_backoff_seconds: float = Field(default=30.0, ge=0)
    max_answer_bytes: int = Field(
        default=256 * 1024, ge=1024, description="A longer answer is refused as oversized"
    )
    price_per_1k_input: float = Field(default=0.0, ge=0, description="Estimated cost per 1k")
    price_per_1k_output: float = Field(default=0.0, ge=0, description="Estimated cost per 1k")
    daily_calls: int | None = Field(
        default=None, ge=0, description="Default budget: calls per workflow and day"
    )

    @model_validator(mode="before")
    @classmethod
    def _read_secrets_file(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("secrets_file"):
            return data
        merged = dict(data)
        for key, value in read_key_values(Path(data["secrets_file"]), what="AI").items():
            if key.upper() in ("BATON_AI_API_KEY", "API_KEY"):
                merged.setdefault("api_key", value)
        return merged

    @property
    def configured(self) -> bool:
        """Whether a provider call can be attempted (a base URL is set)."""
        return bool(self.base_url)

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        """The estimated cost of a call from its token counts."""
        return (tokens_in * self.price_per_1k_input + tokens_out * self.price_per_1k_output) / 1000

    def public(self) -> dict[str, Any]:
        """What may be shown to an admin: everything but the key (only whether it is set)."""
        return {
            "configured": self.configured,
            "base_url": self.base_url,
            "model": self.model,
            "api_key_set": self.api_key is not None,
            "timeout_seconds": self.timeout_seconds,
            "max_attempts": self.max_attempts,
            "daily_calls": self.daily_calls,
        }
