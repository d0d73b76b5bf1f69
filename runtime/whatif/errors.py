"""The what-if's errors: bad input it refuses, each naming what is wrong.

They sit under the runtime's tree (:class:`~runtime.errors.BatonRuntimeError`), so the
designer's one error handler gives them their status: unknown things 404, bad input 400.
A draft with validation errors is refused with :class:`~runtime.errors.InvalidWorkflow`
(422, with the problems), as publishing it would be.

>>> NoRecordedCases("support-case", days=30).message
"Workflow 'support-case' has no recorded cases started in the last 30 days to replay."
>>> UnknownCases("support-case", ["c9", "c7"]).to_dict()["case_ids"]
['c7', 'c9']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runtime.errors import BatonRuntimeError, InvalidInput, NotFound

__all__ = ["BadDays", "BadOutputs", "NoRecordedCases", "UnknownCases", "WhatIfError"]

MAX_DAYS = 365
"""The longest look back a what-if takes, in days."""


class WhatIfError(BatonRuntimeError):
    """Base of the what-if's refusals; each also derives from the kind that sets its status."""

    code = "whatif_refused"


class BadDays(WhatIfError, InvalidInput):
    """The number of days to look back is outside 1..365."""

    code = "whatif_bad_days"

    def __init__(self, days: int) -> None:
        super().__init__(f"days must be a whole number from 1 to {MAX_DAYS}; {days} was given.")
        self.days = days

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "days": self.days, "max_days": MAX_DAYS}


class BadOutputs(WhatIfError, InvalidInput):
    """The outputs given for steps name no step of the draft, or say something unreadable."""

    code = "whatif_bad_outputs"

    def __init__(self, problems: dict[str, str]) -> None:
        listed = "; ".join(f"{step}: {problem}" for step, problem in problems.items())
        super().__init__(f"The outputs given for steps cannot be used: {listed}.")
        self.problems = dict(problems)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "problems": self.problems}


class NoRecordedCases(WhatIfError, NotFound):
    """The workflow has no recorded cases in the period (or none of those asked for)."""

    code = "whatif_no_cases"

    def __init__(self, workflow_id: str, *, days: int | None = None) -> None:
        super().__init__("recorded cases", workflow_id)
        self.workflow_id = workflow_id
        self.days = days
        if days is None:
            message = f"Workflow '{workflow_id}' has no recorded cases to replay."
        else:
            message = (
                f"Workflow '{workflow_id}' has no recorded cases started in the last "
                f"{days} days to replay."
            )
        self.message = message
        self.args = (message,)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "workflow_id": self.workflow_id, "days": self.days}


class UnknownCases(WhatIfError, NotFound):
    """Some of the case ids asked for have no recorded run of the workflow."""

    code = "whatif_unknown_cases"

    def __init__(self, workflow_id: str, case_ids: Iterable[str]) -> None:
        missing = sorted(set(case_ids))
        super().__init__("cases", ", ".join(missing))
        shown = ", ".join(f"'{c}'" for c in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        message = f"Workflow '{workflow_id}' has no recorded run for case(s) {shown}{more}."
        self.message = message
        self.args = (message,)
        self.workflow_id = workflow_id
        self.case_ids = missing

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "workflow_id": self.workflow_id, "case_ids": self.case_ids}
