"""What-if: replay recorded cases through a draft, in memory, and compare with what they did.

:func:`what_if` (``runtime.whatif.service``) is the one entry point: the API, the CLI and
``benchmarks/versions.py`` call it with a session. :mod:`~runtime.whatif.load` is its
only I/O (reads); the rest is pure: :mod:`~runtime.whatif.play` (what the cases did, from
their stored log, and the draft's prediction in the simulator), :mod:`~runtime.whatif.trace`,
:mod:`~runtime.whatif.routing_model` (today's team on the simulated clock),
:mod:`~runtime.whatif.figures` and :mod:`~runtime.whatif.report` (the answer), and
:mod:`~runtime.whatif.parallel` (reading the cases off their logs, predicting and routing
on several cores).
"""

from runtime.whatif.report import Figures, WhatIf
from runtime.whatif.service import what_if

__all__ = ["Figures", "WhatIf", "what_if"]
