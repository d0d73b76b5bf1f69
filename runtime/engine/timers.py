"""The keys of timers and work items: one owner for how they are written and read.

A timer's key names the run, the timer's purpose, its target (``<stage>`` or
``<stage>.<step>``) and the stage visit or step attempt it belongs to, so a timer that
fires after the run moved on is recognised and ignored. Keys are idempotency keys in the
store: their text must never change.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TimerKey", "timer_key", "work_item_key"]


def work_item_key(run_id: str, step_id: str, attempt: int) -> str:
    """The idempotency key of an interactive step attempt's work item.

    >>> work_item_key("r1", "review", 2)
    'r1:review:2'
    """
    return f"{run_id}:{step_id}:{attempt}"


@dataclass(frozen=True, slots=True)
class TimerKey:
    """A timer's key, parsed: run, purpose, target and visit/attempt number.

    >>> key = TimerKey.parse("r1:retry:triage.lookup:1")
    >>> key
    TimerKey(run_id='r1', purpose='retry', target='triage.lookup', n=1)
    >>> (key.node_id, key.step_id, str(key))
    ('triage', 'lookup', 'r1:retry:triage.lookup:1')
    >>> TimerKey.parse("r1:retry:triage:x") is None
    True
    """

    run_id: str
    purpose: str  #: a :class:`~runtime.engine.types.TimerPurpose` when the engine set it
    target: str  #: ``<stage>`` or ``<stage>.<step>``
    n: int  #: the stage visit or the step attempt

    def __str__(self) -> str:
        return timer_key(self.run_id, self.purpose, self.target, self.n)

    @classmethod
    def parse(cls, text: str) -> TimerKey | None:
        """The key ``text`` spells, or ``None`` when it is not a timer key.

        Run ids may hold colons; purpose, target and number never do.
        """
        parts = text.rsplit(":", 3)
        if len(parts) != 4 or not parts[3].isdigit():
            return None
        run_id, purpose, target, n_text = parts
        return cls(run_id, purpose, target, int(n_text))

    @property
    def node_id(self) -> str:
        """The stage the timer belongs to."""
        return self.target.partition(".")[0]

    @property
    def step_id(self) -> str:
        """The step the timer belongs to; empty for a stage's own timer."""
        return self.target.partition(".")[2]


def timer_key(run_id: str, purpose: str, target: str, n: int) -> str:
    """A timer's key: run, purpose, target (``stage`` or ``stage.step``) and visit/attempt.

    >>> timer_key("r1", "retry", "triage.lookup", 1)
    'r1:retry:triage.lookup:1'
    """
    # ``!s``: a purpose is a ``TimerPurpose`` (a ``StrEnum``, whose text is its value);
    # formatting one without it goes through ``format()`` and costs twice as much.
    return f"{run_id}:{purpose!s}:{target}:{n}"
