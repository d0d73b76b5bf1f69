"""The action contract: what the executor hands an action and what it gets back.

An action is a class with a ``name``, pydantic ``Input`` and ``Output`` models and a
``run`` method. The executor validates a step's resolved inputs into ``Input`` (see
:func:`run_action`), calls ``run`` with an :class:`ActionContext`, and feeds the
:class:`ActionResult` back to the engine as a step completion. Failure is an
:class:`ActionError` that says whether trying again could help.

The models are class attributes, or the base names them once, ``Action[In, Out]``,
and a type checker then holds ``run`` to the input model:

>>> from pydantic import BaseModel
>>> class Echo(Action):
...     name = "echo"
...     description = "Return the text it was given."
...     class Input(BaseModel):
...         text: str
...     class Output(BaseModel):
...         text: str
...     def run(self, inputs, ctx):
...         return ActionResult(outputs={"text": inputs.text})
>>> Echo.describe()["input_schema"]["required"]
['text']
>>> class Text(BaseModel):
...     text: str
>>> class Upper(Action[Text, Text]):
...     name = "upper"
...     def run(self, inputs: Text, ctx: ActionContext) -> ActionResult:
...         return ActionResult(outputs={"text": inputs.text.upper()})
>>> Upper.Input is Text and Upper.Output is Text
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, get_args

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typing_extensions import TypeVar

from graphs.action_specs import ActionSpec
from graphs.case_limits import record_problem, value_problem
from runtime.actions.errors import ActionError
from runtime.settings import Settings

__all__ = [
    "Action",
    "ActionContext",
    "ActionError",
    "ActionResult",
    "run_action",
]


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What an action knows about the step it runs for.

    ``case`` is the latest case record, read by the executor just before the call.
    ``attempt`` together with ``run_id`` and ``step_id`` is the idempotency key: an
    action that talks to an outside system should pass it along where it can.
    ``store`` is the database the step's run lives in, for an action that keeps records of
    its own (the ``ai`` action: budget, audit, trained models); None outside a worker.
    ``session`` is the transaction that records the step and its result, handed to an
    action the executor calls inside it (:meth:`Action.runs_inline`): records the action
    keeps are written there and commit with the result; None for a call outside.
    """

    run_id: str
    case_id: str
    step_id: str
    attempt: int
    case: Mapping[str, Any]
    settings: Settings
    now: datetime
    store: Engine | None = None
    session: Session | None = None

    @property
    def idempotency_key(self) -> str:
        """``<run>:<step>:<attempt>``, the same key the engine uses for the step."""
        return f"{self.run_id}:{self.step_id}:{self.attempt}"


@dataclass(slots=True)
class ActionResult:
    """What a finished action returns.

    ``outputs`` become the step's outputs (readable by later conditions as
    ``step.<id>.<key>``); ``case_updates`` are applied to the case by the executor in
    the same transaction as the step's result.
    """

    outputs: dict[str, Any]
    case_updates: dict[str, Any] = field(default_factory=dict)


#: The models of a step's inputs and of its outputs (``Any`` for an action that sets
#: ``Input`` and ``Output`` as class attributes).
In = TypeVar("In", bound=BaseModel, default=Any)
Out = TypeVar("Out", bound=BaseModel, default=Any)


class Action(Generic[In, Out]):
    """Base class of every action, built in or registered through ``baton.actions``.

    Subclasses set the class attributes (``Input`` and ``Output`` through the base,
    ``Action[NotifyInput, NotifyOutput]``, or as attributes) and implement :meth:`run`.
    Instances hold no per-call state: one instance serves every call, from several
    threads at once.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    Input: ClassVar[type[BaseModel]]
    Output: ClassVar[type[BaseModel]]
    #: True for an action that only computes from its inputs and the case (no outside
    #: effect, quick): the executor may call it inside the transaction that records the
    #: step and its result, one commit for the whole step. A repeated call is harmless.
    runs_in_transaction: ClassVar[bool] = False
    #: True for an action that, called inside that transaction, writes rows of its own
    #: there (``ctx.session``; the ``ai`` action: its budget reservation and audit line,
    #: whose log line moves the run on): the executor reads the run again before it
    #: applies the result, and undoes the action's writes if it crashes.
    keeps_records: ClassVar[bool] = False
    #: Case fields the action always writes (``assign``: ``owner``).
    writes: ClassVar[tuple[str, ...]] = ()
    #: True when each step input names a case field the action writes (``set_fields``).
    writes_inputs: ClassVar[bool] = False
    #: An input whose mapping's values name the case fields the action writes
    #: (``salesforce_query``'s ``into``).
    writes_named_by: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):
            models = get_args(base)
            if len(models) == 2 and all(_is_model(model) for model in models):
                cls.Input, cls.Output = models

    def runs_inline(
        self, inputs: Mapping[str, Any], settings: Settings, store: Engine | None
    ) -> bool:
        """Whether a call with these (resolved, unvalidated) inputs may be made inside the
        transaction that records the step and its result: ``runs_in_transaction`` unless
        the inputs decide (the ``ai`` action: a local classifier answers in-process, a
        remote model does not)."""
        return self.runs_in_transaction

    def run(self, inputs: In, ctx: ActionContext) -> ActionResult:
        """Do the work; raise :class:`ActionError` on failure."""
        raise NotImplementedError(f"action {type(self).__name__} does not implement run()")

    @classmethod
    def input_schema(cls) -> dict[str, Any]:
        """The JSON Schema of a step's inputs as the step gives them, one input per name.

        ``Input``'s own schema; an action that also takes a flat form (``set_fields``'
        inputs named after case fields) says so here.
        """
        return cls.Input.model_json_schema()

    @classmethod
    def spec(cls) -> ActionSpec:
        """What design time may know of this action (validation's catalogue entry)."""
        return ActionSpec(
            name=cls.name,
            input_schema=cls.input_schema(),
            output_schema=cls.Output.model_json_schema(),
            writes=tuple(cls.writes),
            writes_inputs=cls.writes_inputs,
            writes_named_by=cls.writes_named_by,
        )

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """The palette entry: name, description, the JSON schemas of the step's inputs and
        of the outputs, and what it writes to the case."""
        return {
            "name": cls.name,
            "description": cls.description,
            "input_schema": cls.input_schema(),
            "output_schema": cls.Output.model_json_schema(),
            "writes": list(cls.writes),
            "writes_inputs": cls.writes_inputs,
            "writes_named_by": cls.writes_named_by,
        }


def _is_model(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _describe_errors(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(inputs)"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def run_action(action: Action, inputs: Mapping[str, Any], ctx: ActionContext) -> ActionResult:
    """Validate ``inputs``, run ``action`` and check its outputs against ``Output``.

    Invalid inputs or outputs are not going to improve on a retry, so both raise a
    non-retryable :class:`ActionError` naming the offending fields. Other exceptions
    from ``run`` propagate unchanged: the caller decides how to treat a crash.
    """
    try:
        parsed = action.Input.model_validate(dict(inputs))
    except ValidationError as exc:
        raise ActionError(
            f"invalid inputs for action {action.name!r}: {_describe_errors(exc)}",
            retryable=False,
        ) from exc
    result = action.run(parsed, ctx)
    if not isinstance(result, ActionResult):
        raise ActionError(
            f"action {action.name!r} returned {type(result).__name__}, not an ActionResult",
            retryable=False,
        )
    try:
        checked = action.Output.model_validate(result.outputs)
    except ValidationError as exc:
        raise ActionError(
            f"action {action.name!r} returned invalid outputs: {_describe_errors(exc)}",
            retryable=False,
        ) from exc
    # JSON mode so outputs can be stored and compared in conditions as plain data.
    outputs = checked.model_dump(mode="json", by_alias=True)
    # Outputs and case changes are stored with the run and read back by every list: what
    # the store could not give back fails the step here, before anything is written.
    for name, value in outputs.items():
        problem = value_problem(name, value, what="output")
        if problem is not None:
            raise ActionError(f"action {action.name!r}: {problem.message}", retryable=False)
    problem = record_problem(result.case_updates)
    if problem is not None:
        raise ActionError(
            f"action {action.name!r} would write case data Baton cannot store: {problem.message}",
            retryable=False,
        )
    return ActionResult(outputs=outputs, case_updates=dict(result.case_updates))
