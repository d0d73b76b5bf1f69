"""Loaded into the test's Celery workers (``--include``): an action ``die`` that SIGKILLs
the process calling it, every time, and the registry's actions for every other name."""

from __future__ import annotations

import os
import signal
from typing import Any

from pydantic import BaseModel

from runtime.actions.base import Action, ActionContext, ActionResult
from runtime.actions.registry import get_action
from runtime.scale.process import use_actions


class _Nothing(BaseModel):
    pass


class Die(Action):
    name = "die"
    Input = _Nothing
    Output = _Nothing

    def run(self, inputs: Any, ctx: ActionContext) -> ActionResult:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


def _lookup(name: str) -> Action:
    return Die() if name == "die" else get_action(name)


use_actions(_lookup)
