"""Baton's embedded classifier: TF-IDF features and logistic regression (scikit-learn).

It needs no network: an AI step whose provider is ``local`` asks the newest model trained
for its workflow and field (:mod:`runtime.ai.training`). Its confidence is the predicted
probability of the label it picks.

>>> texts = ["invoice charged twice", "refund my payment", "vat on the invoice is wrong",
...          "site is down", "error 502 on export", "the app crashes on start"] * 5
>>> labels = ["billing"] * 3 + ["outage"] * 3
>>> trained = train(texts, labels * 5, seed=1)
>>> trained.cases_used, trained.held_out, trained.labels
(30, 6, ['billing', 'outage'])
>>> label, confidence = Classifier.load(trained.blob).predict("wrong invoice amount")
>>> label, confidence > 0.5
('billing', True)
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.ai.errors import TooFewCases

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = ["MIN_CASES", "Classifier", "TooFewCases", "Trained", "train"]

MIN_CASES = 10
"""Fewer resolved cases than this teach nothing worth a decision."""
HELD_OUT_SHARE = 0.2
"""The share of cases kept back to measure accuracy (when there are at least 20)."""


@dataclass(frozen=True, slots=True)
class Trained:
    """A trained model as bytes, with its training figures."""

    blob: bytes
    labels: list[str]
    cases_used: int
    held_out: int
    accuracy: float | None
    seconds: float


# scikit-learn (and numpy) are imported where a model is trained or loaded, never with
# this module: the app and the worker start ~1.5 s faster, and only processes that run a
# local AI step pay for it.
def _pipeline(seed: int) -> Pipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_features=50_000),
        LogisticRegression(max_iter=1000, C=10.0, random_state=seed),
    )


def train(texts: Sequence[str], labels: Sequence[str], *, seed: int = 0) -> Trained:
    """Train on ``texts`` -> ``labels``; accuracy is measured on a held-back share first."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    if len(texts) < MIN_CASES:
        raise TooFewCases(f"{len(texts)} labelled cases; at least {MIN_CASES} are needed")
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        raise TooFewCases(f"every labelled case says {distinct[0]!r}: nothing to tell apart")
    from sklearn.model_selection import train_test_split

    started = time.perf_counter()
    accuracy: float | None = None
    held_out = 0
    counts = {label: list(labels).count(label) for label in distinct}
    if len(texts) >= 2 * MIN_CASES:
        stratify = list(labels) if min(counts.values()) >= 2 else None
        x_train, x_test, y_train, y_test = train_test_split(
            list(texts), list(labels), test_size=HELD_OUT_SHARE, random_state=seed,
            stratify=stratify,
        )  # fmt: skip
        probe = _pipeline(seed).fit(x_train, y_train)
        predicted = probe.predict(x_test)
        hits = sum(1 for got, want in zip(predicted, y_test, strict=True) if got == want)
        accuracy = round(hits / len(y_test), 4)
        held_out = len(x_test)
    # The model kept is trained on every case: the held-back share only measured it.
    model = _pipeline(seed).fit(list(texts), list(labels))
    blob = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    return Trained(
        blob=blob,
        labels=distinct,
        cases_used=len(texts),
        held_out=held_out,
        accuracy=accuracy,
        seconds=round(time.perf_counter() - started, 3),
    )


class Classifier:
    """A loaded model: :meth:`predict` gives the label and its probability."""

    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    def load(cls, blob: bytes) -> Classifier:
        """Load bytes written by :func:`train` (only ever read from Baton's own store)."""
        # Only bytes from Baton's own table, written by train(), are ever loaded.
        model = pickle.loads(blob)
        return cls(model)

    @property
    def labels(self) -> list[str]:
        """The labels the model knows."""
        return [str(label) for label in self._model.classes_]

    def predict(self, text: str) -> tuple[str, float]:
        """The most probable label for ``text`` and its probability."""
        from sklearn import config_context

        # One text through a pipeline Baton built and trained: its parameters were checked
        # at training, and TF-IDF features are never NaN or infinite. Skipping both checks
        # takes ~130 of ~600 µs off a call (it runs inside its step's transaction).
        with config_context(assume_finite=True, skip_parameter_validation=True):
            probabilities = self._model.predict_proba([text])[0]
        best = int(probabilities.argmax())
        return str(self._model.classes_[best]), round(float(probabilities[best]), 4)
