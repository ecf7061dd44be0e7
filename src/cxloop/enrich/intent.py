"""Intent classification from labelled examples, with calibrated confidence and "unknown".

Three feature backends share one linear head (scores = features @ W.T + b):

* ``tfidf`` — the default fast path: word 1–2-grams and character 2–5-grams, linear SVM;
* ``embedding`` — all-MiniLM-L6-v2 sentence embeddings, logistic regression, plus a smaller
  TF-IDF logistic-regression vote (``ml`` extra; best with a handful of examples per intent); with
  few examples also a vote for the intent of the nearest training example
  (:data:`FEW_SHOT_NEIGHBOUR_WEIGHT`);
* ``hybrid`` — both feature sets side by side, linear SVM (``ml`` extra; best with enough data).

``auto`` picks ``tfidf`` without the ``ml`` extra, and with it ``embedding`` below
:data:`FEW_SHOT_EXAMPLES` examples per intent and ``hybrid`` above.

Confidence is the softmax of the scores divided by a temperature fitted on out-of-fold scores
(temperature scaling), so a confidence of 0.8 is right about 80 % of the time. A text is
``unknown`` when the best confidence is below the threshold. Rows labelled ``unknown`` or ``oos``
(:data:`OUT_OF_SCOPE_LABELS`) are out-of-scope examples: the model learns them as one more class,
and the threshold is tuned on them; without any, the threshold only rejects texts the model is
close to clueless about (:data:`DEFAULT_REJECT_SHARE`).

Models are saved as one ``.npz`` file of arrays and JSON: loading one cannot run code.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from cxloop.enrich.embeddings import DEFAULT_EMBEDDING_MODEL, embed, ml_available
from cxloop.enrich.vectorize import load_tfidf, save_tfidf

Backend = Literal["auto", "tfidf", "embedding", "hybrid"]

UNKNOWN = "unknown"
"""The intent of a text the model does not recognize."""

OUT_OF_SCOPE_LABELS = frozenset({"unknown", "oos", "out_of_scope", "out-of-scope", "none"})
"""Labels that mark out-of-scope examples in training and evaluation data."""

FEW_SHOT_EXAMPLES = 30
"""Below this many examples per intent (median), ``auto`` uses embeddings alone (ml extra)."""

DEFAULT_REJECT_SHARE = 0.002
"""Without out-of-scope examples, the threshold rejects at most this share of the out-of-fold
predictions that were right."""

HYBRID_EMBEDDING_WEIGHT = 1.5
"""How much the embedding block weighs against the unit-length TF-IDF blocks in ``hybrid``."""

EMBEDDING_TFIDF_WEIGHT = 0.4
"""Weight of the TF-IDF vote against the embedding vote in the ``embedding`` backend."""

FEW_SHOT_TFIDF_WEIGHT = 0.2
"""The same weight with fewer than :data:`FEW_SHOT_EXAMPLES` examples per intent (median)."""

FEW_SHOT_NEIGHBOUR_WEIGHT = 8.0
"""With fewer than :data:`FEW_SHOT_EXAMPLES` examples per intent, the ``embedding`` backend adds
this times the cosine similarity of the text to the nearest training example of each intent.
Both few-shot weights were chosen on banking77 *training* data (two other 10-per-intent samples,
scored on 3,000 other training rows), never on its test set."""

EMBEDDING_DIMENSIONS = 384


def is_out_of_scope(label: str) -> bool:
    """Whether a training/evaluation label marks an out-of-scope example."""
    return label.strip().lower() in OUT_OF_SCOPE_LABELS


@dataclass(frozen=True)
class IntentPrediction:
    """Intents of many texts: the name (or ``unknown``) and the calibrated confidence."""

    intents: list[str]
    confidences: list[float]
    best: list[str] = field(default_factory=list)
    """The best in-scope intent even where the prediction is ``unknown``."""


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    exp = np.exp(z)
    result: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return result


def fit_temperature(scores: np.ndarray, gold: np.ndarray) -> float:
    """The temperature that minimizes the negative log-likelihood of ``gold`` class indices."""

    def nll(log_t: float) -> float:
        probs = _softmax(scores, float(np.exp(log_t)))
        return float(-np.mean(np.log(probs[np.arange(len(gold)), gold] + 1e-12)))

    result = minimize_scalar(nll, bounds=(-6.0, 4.0), method="bounded")
    return float(np.exp(result.x))


class IntentClassifier:
    """Learns a company's intents from labelled texts; see the module docstring.

    Examples:
        >>> texts = ["where is my parcel", "track my order", "cancel my order", "stop my order"]
        >>> model = IntentClassifier().fit(texts, ["track", "track", "cancel", "cancel"])
        >>> model.predict(["where's my order"]).best
        ['track']
    """

    def __init__(
        self,
        backend: Backend = "auto",
        threshold: float | None = None,
        embedding_model: str = DEFAULT_EMBEDDING_MODEL,
        cv_folds: int = 3,
        random_state: int = 0,
        use_label_names: bool = True,
        char_ngrams: tuple[int, int] | None = (2, 5),
    ) -> None:
        self.backend: Backend = backend
        self.threshold = threshold
        self.embedding_model = embedding_model
        self.cv_folds = cv_folds
        self.random_state = random_state
        self.use_label_names = use_label_names
        self.char_ngrams = char_ngrams
        self.classes: list[str] = []
        self.temperature = 1.0
        self.training_seconds = 0.0
        self.model_id = "intent"
        self._word: TfidfVectorizer | None = None
        self._char: TfidfVectorizer | None = None
        self._coef: np.ndarray | None = None
        self._intercept: np.ndarray | None = None
        self.neighbour_weight = 0.0
        self._examples: np.ndarray | None = None
        self._example_classes: np.ndarray | None = None

    # --- features ------------------------------------------------------------------------

    @property
    def uses_embeddings(self) -> bool:
        """Whether the features include sentence embeddings (``ml`` extra)."""
        return self.backend in ("embedding", "hybrid")

    @staticmethod
    def _median_examples(labels: Sequence[str]) -> float:
        return float(np.median(list(Counter(labels).values())))

    def _resolve_backend(self, labels: Sequence[str]) -> Backend:
        if self.backend != "auto":
            return self.backend
        if not ml_available():
            return "tfidf"
        return "embedding" if self._median_examples(labels) < FEW_SHOT_EXAMPLES else "hybrid"

    def _fit_vectorizers(self, texts: Sequence[str]) -> None:
        min_df = 2 if len(texts) >= 2000 else 1
        self._word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self._word.fit(texts)
        self._char = None
        if self.char_ngrams is not None:  # None: words only, 5x faster (the ingest default)
            self._char = TfidfVectorizer(
                analyzer="char_wb", ngram_range=self.char_ngrams, sublinear_tf=True, min_df=min_df
            )
            self._char.fit(texts)

    def _features(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> sparse.csr_matrix:
        assert self._word is not None
        blocks: list[Any] = [self._word.transform(texts)]
        if self._char is not None:
            blocks.append(self._char.transform(texts))
        if self.uses_embeddings:
            vectors = embeddings if embeddings is not None else embed(texts, self.embedding_model)
            weight = HYBRID_EMBEDDING_WEIGHT if self.backend == "hybrid" else 1.0
            blocks.append(sparse.csr_matrix(vectors * weight))
        return sparse.hstack(blocks).tocsr()

    def _fit_head(
        self, features: sparse.csr_matrix, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Weights and biases of the linear head, one row per class (``np.unique(y)`` order)."""
        if self.backend != "embedding":
            svm = LinearSVC(C=0.5).fit(features, y)
            coef, intercept = np.asarray(svm.coef_), np.asarray(svm.intercept_)
        else:
            # few examples: a log-linear vote of two logistic regressions, one on the
            # embeddings and one (weighted FEW_SHOT_TFIDF_WEIGHT) on the TF-IDF blocks
            n_tfidf = features.shape[1] - EMBEDDING_DIMENSIONS
            weight = FEW_SHOT_TFIDF_WEIGHT if self.neighbour_weight else EMBEDDING_TFIDF_WEIGHT
            on_tfidf = LogisticRegression(C=20.0, max_iter=3000).fit(features[:, :n_tfidf], y)
            on_emb = LogisticRegression(C=10.0, max_iter=3000).fit(features[:, n_tfidf:], y)
            coef = np.hstack([weight * on_tfidf.coef_, on_emb.coef_])
            intercept = weight * on_tfidf.intercept_ + on_emb.intercept_
        if coef.shape[0] == 1:  # binary estimators keep one row; make it two
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        return coef.astype(np.float32), intercept.astype(np.float32)

    def _neighbour_scores(
        self, vectors: np.ndarray, examples: np.ndarray, example_classes: np.ndarray, n: int
    ) -> np.ndarray:
        """``neighbour_weight`` × the cosine similarity of each text to the nearest example of
        each of ``n`` classes (``example_classes`` sorted, every class present)."""
        starts = np.searchsorted(example_classes, np.arange(n))
        nearest = np.maximum.reduceat(vectors @ examples.T, starts, axis=1)
        result: np.ndarray = self.neighbour_weight * nearest
        return result

    def _scores(
        self,
        texts: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        embeddings: np.ndarray | None = None,
        examples: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """The linear scores, plus the nearest-example vote in few-shot ``embedding`` mode."""
        if self.neighbour_weight and embeddings is None:
            embeddings = embed(texts, self.embedding_model)
        scores = np.asarray(self._features(texts, embeddings) @ coef.T + intercept, np.float64)
        if self.neighbour_weight and examples is not None and embeddings is not None:
            scores += self._neighbour_scores(embeddings, *examples, coef.shape[0])
        return scores

    # --- training ------------------------------------------------------------------------

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], embeddings: np.ndarray | None = None
    ) -> IntentClassifier:
        """Train on labelled texts (out-of-scope rows labelled ``unknown``/``oos``).

        ``embeddings`` may carry precomputed embeddings of ``texts`` (benchmarks reuse them).
        With ``use_label_names`` each intent's name (``card_arrival`` → "card arrival") is one
        more example of it.
        """
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        started = time.perf_counter()
        gold = [UNKNOWN if is_out_of_scope(str(label)) else str(label) for label in labels]
        texts = list(texts)
        in_scope = sorted({label for label in gold if label != UNKNOWN})
        if len(in_scope) < 2:
            raise ValueError("intent training data needs at least two in-scope intents")
        self.backend = self._resolve_backend(gold)
        self.neighbour_weight = 0.0
        if self.backend == "embedding" and self._median_examples(gold) < FEW_SHOT_EXAMPLES:
            self.neighbour_weight = FEW_SHOT_NEIGHBOUR_WEIGHT
        if self.uses_embeddings and embeddings is None:
            embeddings = embed(texts, self.embedding_model)
        if self.use_label_names:
            names = [label.replace("_", " ").replace("-", " ") for label in in_scope]
            texts, gold = texts + names, gold + in_scope
            if embeddings is not None:
                embeddings = np.vstack([embeddings, embed(names, self.embedding_model)])
        self.classes = sorted(set(gold))
        index = {label: i for i, label in enumerate(self.classes)}
        y = np.asarray([index[label] for label in gold])
        oof = self._out_of_fold_scores(texts, y, embeddings)
        if oof is not None:
            self.temperature = fit_temperature(oof, y)
            if self.threshold is None:
                self.threshold = self._tune_threshold(oof, y)
        elif self.threshold is None:
            self.threshold = 0.0
        self._fit_vectorizers(texts)
        self._coef, self._intercept = self._fit_head(self._features(texts, embeddings), y)
        self._examples = self._example_classes = None
        if self.neighbour_weight and embeddings is not None:
            order = np.argsort(y, kind="stable")
            self._examples = np.asarray(embeddings[order], dtype=np.float32)
            self._example_classes = y[order]
        self.training_seconds = time.perf_counter() - started
        return self

    def _out_of_fold_scores(
        self, texts: Sequence[str], y: np.ndarray, embeddings: np.ndarray | None
    ) -> np.ndarray | None:
        smallest = int(np.bincount(y).min())
        folds = min(self.cv_folds, smallest)
        if folds < 2:
            return None
        scores = np.full((len(texts), len(self.classes)), -1e3, dtype=np.float64)
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        text_array = np.asarray(texts, dtype=object)
        for train, test in splitter.split(text_array, y):
            train_texts = list(text_array[train])
            self._fit_vectorizers(train_texts)
            train_emb = embeddings[train] if embeddings is not None else None
            test_emb = embeddings[test] if embeddings is not None else None
            coef, intercept = self._fit_head(self._features(train_texts, train_emb), y[train])
            present = np.unique(y[train])
            examples = None
            if self.neighbour_weight and train_emb is not None:
                order = np.argsort(y[train], kind="stable")
                examples = (train_emb[order], np.searchsorted(present, y[train][order]))
            fold = self._scores(list(text_array[test]), coef, intercept, test_emb, examples)
            scores[np.ix_(test, present)] = fold
        return scores

    def _tune_threshold(self, oof: np.ndarray, y: np.ndarray) -> float:
        probs = _softmax(oof, self.temperature)
        predicted = probs.argmax(axis=1)
        confidence = probs.max(axis=1)
        unknown = self.classes.index(UNKNOWN) if UNKNOWN in self.classes else -1
        if unknown >= 0:
            # out-of-scope examples exist: the threshold that maximizes accuracy on them and the
            # in-scope examples together
            best_t, best_acc = 0.0, -1.0
            for t in np.unique(np.round(confidence, 3)):
                final = np.where(confidence < t, unknown, predicted)
                acc = float(np.mean(final == y))
                if acc > best_acc:
                    best_t, best_acc = float(t), acc
            return best_t
        right = confidence[predicted == y]
        if not len(right):
            return 0.0
        return float(np.quantile(right, DEFAULT_REJECT_SHARE))

    # --- prediction ----------------------------------------------------------------------

    def probabilities(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """Calibrated probabilities, one column per class in :attr:`classes`."""
        if self._coef is None or self._intercept is None:
            raise RuntimeError("the intent model is not trained; call fit() or load() first")
        if not texts:
            return np.zeros((0, len(self.classes)))
        examples = None
        if self._examples is not None and self._example_classes is not None:
            examples = (self._examples, self._example_classes)
        scores = self._scores(texts, self._coef, self._intercept, embeddings, examples)
        return _softmax(scores, self.temperature)

    def predict(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> IntentPrediction:
        """Intent (or ``unknown``) and confidence per text."""
        probs = self.probabilities(texts, embeddings)
        threshold = self.threshold or 0.0
        unknown = self.classes.index(UNKNOWN) if UNKNOWN in self.classes else -1
        top = probs.argmax(axis=1)
        top_probability = probs[np.arange(len(probs)), top]
        rejected = top_probability < threshold
        in_scope_top = top
        if unknown >= 0 and len(self.classes) > 1:
            rejected |= top == unknown
            in_scope = probs.copy()
            in_scope[:, unknown] = -np.inf
            in_scope_top = np.where(top == unknown, in_scope.argmax(axis=1), top)
        names = self.classes
        intents = [
            UNKNOWN if reject else names[k]
            for k, reject in zip(top.tolist(), rejected.tolist(), strict=True)
        ]
        confidences = [round(p, 4) for p in top_probability.tolist()]
        return IntentPrediction(intents, confidences, [names[k] for k in in_scope_top.tolist()])

    # --- persistence ---------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the model to one ``.npz`` file (arrays and JSON, no pickle)."""
        if self._coef is None or self._intercept is None:
            raise RuntimeError("the intent model is not trained; nothing to save")
        assert self._word is not None
        arrays: dict[str, Any] = {"coef": self._coef, "intercept": self._intercept}
        if self._examples is not None and self._example_classes is not None:
            arrays["examples"] = self._examples
            arrays["example_classes"] = self._example_classes
        arrays.update(save_tfidf("word", self._word))
        if self._char is not None:
            arrays.update(save_tfidf("char", self._char))
        meta = {
            "kind": "cxloop-intent", "format": 1, "backend": self.backend,
            "classes": self.classes, "temperature": self.temperature,
            "threshold": self.threshold, "embedding_model": self.embedding_model,
            "training_seconds": self.training_seconds,
            "neighbour_weight": self.neighbour_weight,
        }  # fmt: skip
        arrays["meta"] = np.asarray(json.dumps(meta))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(handle, allow_pickle=False, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> IntentClassifier:
        """Read a model written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"no intent model at {path}; train one with `cxloop intents train`"
            )
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("kind") != "cxloop-intent":
                raise ValueError(f"{path} is not a cxloop intent model")
            model = cls(
                backend=meta["backend"],
                threshold=meta["threshold"],
                embedding_model=meta["embedding_model"],
            )
            model._word = load_tfidf("word", data)
            model._char = load_tfidf("char", data) if "char_terms" in data.files else None
            model._coef = np.asarray(data["coef"])
            model._intercept = np.asarray(data["intercept"])
            if "examples" in data.files:
                model._examples = np.asarray(data["examples"])
                model._example_classes = np.asarray(data["example_classes"])
        model.classes = list(meta["classes"])
        model.temperature = float(meta["temperature"])
        model.training_seconds = float(meta.get("training_seconds", 0.0))
        model.neighbour_weight = float(meta.get("neighbour_weight", 0.0))
        model.model_id = f"intent:{path.name}"
        return model


def evaluate_intents(
    model: IntentClassifier,
    texts: Sequence[str],
    labels: Sequence[str],
    embeddings: np.ndarray | None = None,
) -> dict[str, Any]:
    """Accuracy overall (an out-of-scope row is right when predicted ``unknown``), on in-scope
    rows, and the recall of out-of-scope rows (``None`` when there are none)."""
    prediction = model.predict(texts, embeddings)
    gold = np.asarray([UNKNOWN if is_out_of_scope(str(label)) else str(label) for label in labels])
    predicted = np.asarray(prediction.intents)
    oos = gold == UNKNOWN
    right = predicted == gold
    return {
        "accuracy": round(float(right.mean()), 4) if len(gold) else None,
        "in_scope_accuracy": round(float(right[~oos].mean()), 4) if (~oos).any() else None,
        "oos_recall": round(float(right[oos].mean()), 4) if oos.any() else None,
        "unknown_rate": round(float((predicted == UNKNOWN).mean()), 4) if len(gold) else None,
        "n": len(gold),
        "n_out_of_scope": int(oos.sum()),
        "backend": model.backend,
        "threshold": model.threshold,
    }
