"""AI steps under governance: the provider client, the embedded classifier, the checks
around every answer, the daily budget and the audit.

The ``ai`` action (:mod:`runtime.actions.ai`) is the one caller. Its order for each call:

1. :mod:`runtime.ai.prompt` builds the request from the case fields the step may read,
   never a field the case schema marks ``sensitive``;
2. :mod:`runtime.ai.budget` reserves the call against the workflow's daily budget (a
   refused call is never sent, and the step fails naming the budget);
3. :mod:`runtime.ai.local` (provider ``local``: a classifier trained from the organisation's
   own cases, :mod:`runtime.ai.training`) or :mod:`runtime.ai.provider` (``openai``: any
   OpenAI-compatible chat-completions endpoint) answers;
4. :mod:`runtime.ai.governance` checks the answer against the declared outputs (JSON
   Schema) and the confidence threshold: accepted, retried (the step fails, retryable, and
   its retry policy decides; when attempts run out the run is an incident naming the
   problem) or handed to a person (``needs_review``: the review step after it opens);
5. :mod:`runtime.ai.audit` writes the verdict to the call account and an ``ai.call`` line
   to the run log, in one transaction (a local call's: the one that records its step and
   result, :mod:`runtime.ai.step`).

Nothing here is imported by the engine: a step's outputs reach the run as those of every
background step, so replay reads the recorded outputs and never calls a model again.
"""
