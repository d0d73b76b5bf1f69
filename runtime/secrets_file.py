"""Secrets kept in a ``KEY=value`` file that a settings object names (``secrets_file``).

The Salesforce and AI settings both read one; the environment wins over the file.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["read_key_values"]


def read_key_values(path: Path, *, what: str) -> dict[str, str]:
    """The ``KEY=value`` lines (``#`` comments, ``export``, quotes); a missing file is an error.

    ``what`` names the file in the error (``"Salesforce"``: "the Salesforce secrets file").
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(
            f"cannot read the {what} secrets file {str(path)!r}: {exc.strerror}"
        ) from None
    found: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        found[key.strip().removeprefix("export ").strip()] = value
    return found
