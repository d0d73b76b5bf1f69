"""How Socket.IO messages are written and read: :class:`LivePacket`.

python-socketio's packet walks every list and dict of a message in Python to look for
binary parts, and encodes and decodes with the ``json`` module. A ``live.batch`` holds
every event committed in its window, so both grew with the stream: about a twentieth of
the server's CPU per event, and the largest part of a following client's
(``benchmarks/stream.py``). The server and :class:`designer.live.follow.LiveClient`
use this packet instead; what goes over the wire is the same Socket.IO text.
"""

from __future__ import annotations

from typing import Any

import pydantic_core
from socketio import packet  # type: ignore[import-untyped]

__all__ = ["LivePacket"]


class _Json:
    """The ``json`` module's two functions, on pydantic-core's Rust codec."""

    @staticmethod
    def dumps(data: Any, **_options: Any) -> str:
        # Always compact (what Socket.IO asks for with its separators), UTF-8 unescaped.
        return pydantic_core.to_json(data).decode()

    @staticmethod
    def loads(text: str | bytes) -> Any:
        return pydantic_core.from_json(text)


class LivePacket(packet.Packet):  # type: ignore[misc]
    """A Socket.IO packet with a faster JSON codec and a faster search for binary parts."""

    json = _Json

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        """Whether ``data`` holds ``bytes`` anywhere (as the base class says), without recursion.

        >>> LivePacket.data_is_binary(["live.batch", [["run.events", {"seq": 1}]]])
        False
        >>> LivePacket.data_is_binary({"file": [b"\\x00"]})
        True
        """
        pending = [data]
        while pending:
            item = pending.pop()
            if isinstance(item, bytes | bytearray):
                return True
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                pending.extend(item.values())
        return False
