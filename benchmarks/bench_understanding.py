"""Benchmark of issue 4 "Understanding": throughput of the default stack next to VADER alone,
PII redaction quality, language detection, sentiment correlation, intent accuracy and training
time, intent discovery. Writes ``benchmarks/results/understanding.json``.

Run:  nice .venv/bin/python benchmarks/bench_understanding.py [--skip-ml] [--rounds 7]
      [--parts throughput,pii,language,sentiment,intent] [--embedding-cache DIR]

Data are read from ../shared/data beside the repository (CXLOOP_SHARED_DATA overrides; never
copied); parts whose data are absent are skipped and say so in the output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import pearsonr
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.model_selection import KFold

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(
    os.environ.get("CXLOOP_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
RESULTS = ROOT / "benchmarks" / "results" / "understanding.json"
sys.path.insert(0, str(ROOT / "tests"))  # the multilingual samples live with the tests


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load_gold(name: str) -> pd.DataFrame | None:
    path = DATA / "sentiment" / f"{name}_GroundTruth.txt"
    if not path.is_file():
        return None
    rows = [
        line.rstrip("\n").split("\t", 2)
        for line in path.open(encoding="utf-8", errors="replace")
        if line.count("\t") >= 2
    ]
    return pd.DataFrame(rows, columns=["id", "rating", "text"]).astype({"rating": float})


def throughput(texts: list[str], rounds: int) -> dict[str, Any]:
    """Texts per second on one core: the default stack vs VADER alone, interleaved rounds."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from cxloop.enrich import language as language_module
    from cxloop.enrich.base import run_enrichers
    from cxloop.enrich.batch import events_from_texts
    from cxloop.enrich.defaults import default_enrichers
    from cxloop.enrich.sentiment import shared_vader

    events = events_from_texts(texts)
    # the reference: the vaderSentiment library itself on every text (no cxloop shortcut/cache)
    vader = SentimentIntensityAnalyzer()
    # load every model the texts need once (lingua loads a language's models on first use)
    run_enrichers(events, default_enrichers())
    # CPU seconds of this process (the per-core figure, less sensitive to other jobs on a shared
    # machine than wall-clock time, which is reported too)
    stack_s: list[float] = []
    vader_s: list[float] = []
    stack_wall: list[float] = []
    vader_wall: list[float] = []
    per_enricher: dict[str, list[float]] = {}
    for _ in range(rounds):
        started, wall = time.process_time(), time.perf_counter()
        [float(vader.polarity_scores(text)["compound"]) for text in texts]
        vader_s.append(time.process_time() - started)
        vader_wall.append(time.perf_counter() - wall)
        # no cached results between rounds: every text is detected and scored again
        language_module.shared_detector.cache_clear()
        shared_vader().cache_clear()
        stack = default_enrichers()
        started, wall = time.process_time(), time.perf_counter()
        batch = events
        for enricher in stack:
            t0 = time.process_time()
            batch = enricher.enrich(batch).events
            per_enricher.setdefault(enricher.name, []).append(time.process_time() - t0)
        stack_s.append(time.process_time() - started)
        stack_wall.append(time.perf_counter() - wall)
    stack_median, vader_median = statistics.median(stack_s), statistics.median(vader_s)
    return {
        "texts": len(texts),
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
        "rounds": rounds,
        "clock": "process CPU time (wall-clock ratio in ratio_stack_to_vader_wall)",
        "stack_texts_per_s": round(len(texts) / stack_median),
        "vader_texts_per_s": round(len(texts) / vader_median),
        "ratio_stack_to_vader": round(stack_median / vader_median, 2),
        "ratio_stack_to_vader_wall": round(
            statistics.median(stack_wall) / statistics.median(vader_wall), 2
        ),
        "per_enricher_texts_per_s": {
            name: round(len(texts) / statistics.median(times))
            for name, times in per_enricher.items()
        },
        "stack": [e.name for e in default_enrichers()],
        "threads": "one (lingua, VADER, regex and scikit-learn calls are single-threaded here)",
    }


def pii_quality() -> dict[str, Any]:
    from cxloop.enrich.pii_corpus import evaluate_redaction, pii_corpus

    out: dict[str, Any] = {}
    for seed in (2026, 31337):
        scores = evaluate_redaction(pii_corpus(3000, seed=seed))
        out[f"seed_{seed}"] = {
            kind: {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
            }
            for kind, s in scores.items()
        }
    return out


def language_quality() -> dict[str, Any]:
    from cxloop.enrich.language import DEFAULT_LANGUAGES, LanguageDetector
    from enrich_language_samples import LANGUAGE_SAMPLES

    detector = LanguageDetector()
    pairs = [(code, text) for code, texts in LANGUAGE_SAMPLES.items() for text in texts]
    right = [detector.detect(text) == code for code, text in pairs]
    return {
        "languages": len(DEFAULT_LANGUAGES),
        "samples": len(pairs),
        "accuracy": round(float(np.mean(right)), 4),
        "short_samples_accuracy": round(
            float(np.mean([r for r, (_, t) in zip(right, pairs, strict=True) if len(t) < 30])), 4
        ),
    }


def sentiment_quality() -> dict[str, Any]:
    from cxloop.enrich.sentiment import TrainedSentiment, VaderSentiment

    vader = VaderSentiment()
    sets = {name: load_gold(name) for name in ("amazonReviewSnippets", "movieReviewSnippets")}
    if any(frame is None for frame in sets.values()):
        return {"skipped": f"{DATA / 'sentiment'} is absent"}
    out: dict[str, Any] = {}
    for name, gold in sets.items():
        assert gold is not None
        vader_r = pearsonr(vader.score(list(gold.text)), gold.rating)[0]
        predicted = np.zeros(len(gold))
        for train, test in KFold(5, shuffle=True, random_state=0).split(gold):
            model = TrainedSentiment().fit(
                list(gold.text.iloc[train]), list(gold.rating.iloc[train])
            )
            predicted[test] = model.score(list(gold.text.iloc[test]))
        out[name] = {
            "n": len(gold),
            "vader_r": round(float(vader_r), 3),
            "trained_5fold_cv_r": round(float(pearsonr(predicted, gold.rating)[0]), 3),
        }
    amazon, movies = sets["amazonReviewSnippets"], sets["movieReviewSnippets"]
    assert amazon is not None and movies is not None
    for source, target, key in (
        (movies, amazon, "train_movies_test_amazon_r"),
        (amazon, movies, "train_amazon_test_movies_r"),
    ):
        model = TrainedSentiment().fit(list(source.text), list(source.rating))
        out[key] = round(float(pearsonr(model.score(list(target.text)), target.rating)[0]), 3)
    return out


def intent_quality(skip_ml: bool, embedding_cache: Path | None = None) -> dict[str, Any]:
    from cxloop.enrich.discovery import discover_intents
    from cxloop.enrich.embeddings import embed, ml_available
    from cxloop.enrich.intent import IntentClassifier, evaluate_intents

    if not (DATA / "banking77" / "train.csv").is_file():
        return {"skipped": f"{DATA / 'banking77'} is absent"}
    train = pd.read_csv(DATA / "banking77" / "train.csv")
    test = pd.read_csv(DATA / "banking77" / "test.csv")
    texts, labels = list(train.text), list(train.category)
    test_texts, test_labels = list(test.text), list(test.category)
    out: dict[str, Any] = {}

    def run(
        name: str,
        model: IntentClassifier,
        tr_texts: list[str],
        tr_labels: list[str],
        tr_emb: Any = None,
        te_emb: Any = None,
    ) -> dict[str, Any]:
        model.fit(tr_texts, tr_labels, embeddings=tr_emb)
        scores = evaluate_intents(model, test_texts, test_labels, embeddings=te_emb)
        saved = model.threshold
        model.threshold = 0.0
        scores["accuracy_without_threshold"] = evaluate_intents(
            model, test_texts, test_labels, embeddings=te_emb
        )["accuracy"]
        model.threshold = saved
        scores["training_seconds"] = round(model.training_seconds, 1)
        print(name, scores, flush=True)
        return scores

    out["tfidf_full"] = run("tfidf_full", IntentClassifier(backend="tfidf"), texts, labels)
    labels_arr = np.asarray(labels)
    ten_shot = {
        seed: np.concatenate(
            [
                np.random.default_rng(seed).choice(
                    np.flatnonzero(labels_arr == c), 10, replace=False
                )
                for c in sorted(set(labels))
            ]
        )
        for seed in (0, 1, 2)
    }
    shots = [
        run(
            f"tfidf_10shot_seed{s}",
            IntentClassifier(backend="tfidf"),
            [texts[i] for i in idx],
            [labels[i] for i in idx],
        )
        for s, idx in ten_shot.items()
    ]
    out["tfidf_10shot_mean_accuracy"] = round(float(np.mean([s["accuracy"] for s in shots])), 4)
    if not skip_ml and ml_available():
        cached = embedding_cache and [embedding_cache / f"{n}_emb.npy" for n in ("train", "test")]
        if cached and all(path.is_file() for path in cached):
            # embeddings of the same texts by the same embed() from an earlier run; the
            # embedding time of that run is kept from the earlier results file
            train_emb, test_emb = np.load(cached[0]), np.load(cached[1])
        else:
            started = time.perf_counter()
            train_emb, test_emb = embed(texts), embed(test_texts)
            out["embedding_seconds_13k_texts"] = round(time.perf_counter() - started, 1)
            if cached:
                np.save(cached[0], train_emb)
                np.save(cached[1], test_emb)
        out["hybrid_full"] = run(
            "hybrid_full", IntentClassifier(backend="hybrid"), texts, labels, train_emb, test_emb
        )
        out["embedding_full"] = run(
            "embedding_full",
            IntentClassifier(backend="embedding"),
            texts,
            labels,
            train_emb,
            test_emb,
        )
        shots = [
            run(
                f"embedding_10shot_seed{s}",
                IntentClassifier(backend="embedding"),
                [texts[i] for i in idx],
                [labels[i] for i in idx],
                train_emb[idx],
                test_emb,
            )
            for s, idx in ten_shot.items()
        ]
        out["embedding_10shot"] = shots
        out["embedding_10shot_mean_accuracy"] = round(
            float(np.mean([s["accuracy"] for s in shots])), 4
        )
        out["embedding_10shot_mean_accuracy_without_threshold"] = round(
            float(np.mean([s["accuracy_without_threshold"] for s in shots])), 4
        )
    else:
        out["ml"] = "skipped (--skip-ml or the ml extra is not installed)"
    started = time.perf_counter()
    candidates = discover_intents(test_texts, clusters=77, min_size=1)
    out["discovery"] = {
        "messages": len(test_texts),
        "clusters": len(candidates),
        "seconds": round(time.perf_counter() - started, 1),
    }
    out["discovery"].update(_discovery_agreement(test_texts, test_labels))
    return out


def _discovery_agreement(texts: list[str], labels: list[str]) -> dict[str, float]:
    """ARI and NMI of k-means clusters (k = 77) against the banking77 intents."""
    from sklearn.cluster import KMeans

    from cxloop.enrich.discovery import _vectors

    vectors = _vectors(texts, "tfidf", 0)
    assigned = KMeans(n_clusters=77, n_init=4, random_state=0).fit_predict(vectors)
    return {
        "ari": round(float(adjusted_rand_score(labels, assigned)), 3),
        "nmi": round(float(normalized_mutual_info_score(labels, assigned)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-ml", action="store_true", help="skip the embedding backends")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--embedding-cache",
        type=Path,
        help="directory to keep the banking77 MiniLM embeddings in between runs",
    )
    parser.add_argument(
        "--parts",
        default="throughput,pii,language,sentiment,intent",
        help="comma-separated parts to run; the others are kept from an earlier results file",
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    texts: list[str] = []
    if (DATA / "banking77" / "test.csv").is_file():
        texts += list(pd.read_csv(DATA / "banking77" / "test.csv").text)
    amazon = load_gold("amazonReviewSnippets")
    if amazon is not None:
        texts += list(amazon.text)
    from enrich_language_samples import LANGUAGE_SAMPLES

    texts += [t for samples in LANGUAGE_SAMPLES.values() for t in samples] * 5
    started = time.perf_counter()
    result: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    result["command"] = "nice .venv/bin/python benchmarks/bench_understanding.py" + (
        " --skip-ml" if args.skip_ml else ""
    )
    result["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    if "throughput" in parts:
        # the mix: English CX messages, English review snippets, 24 languages
        result["throughput"] = throughput(texts, args.rounds)
        print("throughput", result["throughput"], flush=True)
        if (DATA / "banking77" / "test.csv").is_file():
            # English contact-centre messages only (the common case for one company)
            english = list(pd.read_csv(DATA / "banking77" / "test.csv").text)
            result["throughput_english_cx"] = throughput(english, args.rounds)
            print("throughput_english_cx", result["throughput_english_cx"], flush=True)
    if "pii" in parts:
        result["pii"] = pii_quality()
    if "language" in parts:
        result["language"] = language_quality()
        print("language", result["language"], flush=True)
    if "sentiment" in parts:
        result["sentiment"] = sentiment_quality()
        print("sentiment", result["sentiment"], flush=True)
    if "intent" in parts:
        previous = result.get("intent", {})
        result["intent"] = intent_quality(args.skip_ml, args.embedding_cache)
        if "embedding_seconds_13k_texts" in previous:
            result["intent"].setdefault(
                "embedding_seconds_13k_texts", previous["embedding_seconds_13k_texts"]
            )
    result["peak_rss_mb"] = peak_rss_mb()
    result["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
