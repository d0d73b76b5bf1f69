"""Labelled support-case texts for the demo's classifier, the tests and the benchmark.

While demo services are on (development), an AI step of a shipped workflow whose local
classifier was never trained gets one at its first call, from this history
(:data:`DEMO_CLASSIFIERS`): the demo's triage runs on a real model with no set-up and no
cost to ``baton run``'s start. ``baton ai train`` replaces it with one learnt from the
organisation's own resolved cases.

The demo organisation's history: descriptions of resolved support cases with the category
an agent gave them, generated from phrase lists with a fixed seed (so every fresh install
trains the same model). ``noise`` is the share given a wrong category on purpose, as real
histories have.

>>> texts, labels = support_history(200, seed=3)
>>> len(texts), sorted(set(labels))
(200, ['account_access', 'billing', 'data', 'outage'])
>>> support_history(5, seed=3) == support_history(5, seed=3)
True
"""

from __future__ import annotations

import functools
import random

from runtime.ai.local import Trained, train

__all__ = ["CATEGORIES", "DEMO_CLASSIFIERS", "demo_model", "support_history"]

_PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "billing": (
        (
            "Invoice shows the wrong VAT rate",
            "We were charged twice this month",
            "Refund not received",
            "Overcharged on our last bill",
            "Payment failed at checkout",
            "Credit note missing",
            "Price on the invoice differs from the quote",
            "Tax number missing on invoices",
            "Subscription renewed at the wrong price",
        ),
        (
            "the invoice total is wrong",
            "please issue a refund",
            "our card was charged",
            "the VAT should be 9 percent",
            "the billing address is outdated",
            "finance needs a corrected invoice",
            "we paid but the account shows arrears",
            "the discount was not applied",
        ),
    ),
    "outage": (
        (
            "API returns 502 on bulk export",
            "Portal is down",
            "Timeouts on every request",
            "Mobile app crashes on start",
            "Service unavailable since this morning",
            "Webhook deliveries failing",
            "Error 500 when saving",
            "Sync stopped working",
            "Checkout page broken",
        ),
        (
            "nothing loads since 9 am",
            "every request fails with an error",
            "the app crashes when opened",
            "our integration gets 503 errors",
            "the dashboard shows a blank page",
            "requests time out after 30 seconds",
            "it worked yesterday and is broken today",
            "the whole team is blocked",
        ),
    ),
    "account_access": (
        (
            "Cannot reset my password",
            "Locked out after 2FA change",
            "Login link expired",
            "New user cannot sign in",
            "Username not recognised",
            "SSO login loops",
            "Need access for a new colleague",
            "Two-factor code never arrives",
            "Account disabled by mistake",
        ),
        (
            "the reset email never arrives",
            "sign in says wrong password",
            "the authenticator app was lost",
            "please unlock the account",
            "the invitation link does not work",
            "access was removed after the role change",
            "the login page keeps reloading",
            "we need admin rights restored",
        ),
    ),
    "data": (
        (
            "Portal shows last month's usage",
            "Report totals do not match",
            "Export misses rows",
            "Dashboard figures look stale",
            "Usage report is empty",
            "CSV export has wrong dates",
            "Duplicate records in the report",
            "Data from the import is missing",
            "Analytics numbers dropped to zero",
        ),
        (
            "the usage numbers are out of date",
            "the monthly report is incomplete",
            "the exported file lacks the last week",
            "figures differ between two reports",
            "the chart shows no data for March",
            "records appear twice after the import",
            "the totals are not adding up",
            "the data looks a month behind",
        ),
    ),
}
CATEGORIES = tuple(sorted(_PHRASES))
_FILLERS = ("", "Thanks.", "Please help.", "This is urgent.", "Kind regards.",
            "Our account manager knows about it.", "We contacted you last week too.")  # fmt: skip


def support_history(
    count: int, *, seed: int = 7, noise: float = 0.03
) -> tuple[list[str], list[str]]:
    """``count`` (text, category) pairs, ``noise`` of them mislabelled."""
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for n in range(count):
        category = CATEGORIES[n % len(CATEGORIES)]
        subjects, details = _PHRASES[category]
        text = f"{rng.choice(subjects)}. {rng.choice(details).capitalize()}. {rng.choice(_FILLERS)}"
        label = category
        if rng.random() < noise:
            label = rng.choice([c for c in CATEGORIES if c != category])
        texts.append(text.strip())
        labels.append(label)
    return texts, labels


DEMO_CLASSIFIERS: dict[tuple[str, str], tuple[int, int]] = {("support-case", "category"): (800, 7)}
"""(workflow, field) -> (cases, seed) of the demo history its classifier learns from."""


@functools.lru_cache(maxsize=4)
def demo_model(workflow_id: str, field: str) -> Trained | None:
    """The demo classifier of (workflow, field), trained once per process; None if none."""
    found = DEMO_CLASSIFIERS.get((workflow_id, field))
    if found is None:
        return None
    texts, labels = support_history(found[0], seed=found[1])
    return train(texts, labels, seed=found[1])
