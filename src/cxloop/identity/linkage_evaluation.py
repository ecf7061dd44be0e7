"""Pairwise precision, recall and F1 of record matching against a known truth.

Truth comes either from a rule on the record ids (a regular expression whose first group is the
person: FEBRL's ``rec-123-org`` and ``rec-123-dup-0`` are both person ``123``) or from a truth
table mapping each record to its person. Predictions are either clusters (every two records in a
cluster are a predicted pair) or scored pairs. When two sources were linked (link only), pairs
within one source are not counted on either side: they were never candidates.

All counting is done on group sizes (n records → n(n-1)/2 pairs), never by listing pairs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "LinkageScore",
    "score_clusters",
    "score_pairs",
    "truth_from_id_pattern",
]


@dataclass(frozen=True)
class LinkageScore:
    """Pairwise counts and the scores derived from them."""

    true_positives: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        """Share of predicted pairs that are true (1.0 when nothing was predicted)."""
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true pairs that were predicted (1.0 when there are none)."""
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def as_dict(self) -> dict[str, float | int]:
        """Counts and scores, for ``--json`` and benchmark results."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "true_positives": self.true_positives,
            "false_positives": self.predicted_pairs - self.true_positives,
            "false_negatives": self.true_pairs - self.true_positives,
            "predicted_pairs": self.predicted_pairs,
            "true_pairs": self.true_pairs,
        }


def truth_from_id_pattern(ids: pd.Series, pattern: str) -> pd.Series:
    """The person each id belongs to: the first group of ``pattern`` (or the whole match).

    Ids the pattern does not match are people of their own.

    Raises:
        ValueError: ``pattern`` is not a valid regular expression.

    Examples:
        >>> truth_from_id_pattern(pd.Series(["rec-1-org", "rec-1-dup-0"]), r"rec-(\\d+)").tolist()
        ['1', '1']
    """
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ValueError(
            f"truth pattern {pattern!r} is not a regular expression: {error}"
        ) from None
    text = ids.astype("string")
    group = 1 if compiled.groups else 0
    keys = text.str.extract(f"({compiled.pattern})", expand=True)
    key = keys.iloc[:, group] if group else keys.iloc[:, 0]
    return key.fillna("\x00unmatched:" + text).astype("string")


def _pairs_in_groups(frame: pd.DataFrame, by: Sequence[str], cross_source: bool) -> int:
    """Pairs inside each group of ``by``; with ``cross_source``, only pairs across sources."""
    sizes = frame.groupby(list(by), sort=False, dropna=False).size()
    total = int((sizes * (sizes - 1) // 2).sum())
    if cross_source:
        within = frame.groupby([*by, "source"], sort=False, dropna=False).size()
        total -= int((within * (within - 1) // 2).sum())
    return total


def score_clusters(
    clusters: pd.DataFrame, truth: pd.Series, *, cross_source_only: bool | None = None
) -> LinkageScore:
    """Score clusters pairwise: two records in one cluster are a predicted match.

    Args:
        clusters: one row per record with ``cluster_id`` and, when two sources were linked,
            ``source``.
        truth: the person of each row of ``clusters`` (same index).
        cross_source_only: count only pairs across sources (default: when ``clusters`` has a
            ``source`` column with more than one value).
    """
    frame = pd.DataFrame(
        {
            "cluster": clusters["cluster_id"].astype("string").to_numpy(),
            "person": truth.astype("string").to_numpy(),
            "source": (
                clusters["source"].astype("string").to_numpy() if "source" in clusters else ""
            ),
        }
    )
    cross = frame["source"].nunique() > 1 if cross_source_only is None else cross_source_only
    return LinkageScore(
        true_positives=_pairs_in_groups(frame, ["cluster", "person"], cross),
        predicted_pairs=_pairs_in_groups(frame, ["cluster"], cross),
        true_pairs=_pairs_in_groups(frame, ["person"], cross),
    )


def score_pairs(
    pairs: pd.DataFrame,
    records: pd.DataFrame,
    *,
    cross_source_only: bool | None = None,
) -> LinkageScore:
    """Score predicted pairs against the people of every record.

    Args:
        pairs: predicted pairs with ``id_l``, ``id_r`` and optionally ``source_l``/``source_r``.
        records: every record that could have been paired: ``id``, ``person`` and optionally
            ``source`` (to tell apart equal ids in different sources).
        cross_source_only: count only pairs across sources (default: when ``records`` has more
            than one source).
    """
    people = records.assign(
        id=records["id"].astype("string"),
        source=records["source"].astype("string") if "source" in records else "",
    )
    cross = people["source"].nunique() > 1 if cross_source_only is None else cross_source_only
    predicted = pairs.assign(
        id_l=pairs["id_l"].astype("string"),
        id_r=pairs["id_r"].astype("string"),
        source_l=pairs["source_l"].astype("string") if "source_l" in pairs else "",
        source_r=pairs["source_r"].astype("string") if "source_r" in pairs else "",
    )
    if "source" not in records:
        predicted = predicted.assign(source_l="", source_r="")
    if cross:
        predicted = predicted[predicted["source_l"] != predicted["source_r"]]
    # a pair listed twice (a–b and b–a) is one prediction: order each pair, then deduplicate
    left_key = predicted["source_l"] + "\x1f" + predicted["id_l"]
    right_key = predicted["source_r"] + "\x1f" + predicted["id_r"]
    swap = left_key > right_key
    unique = pd.DataFrame(
        {"a": left_key.where(~swap, right_key), "b": right_key.where(~swap, left_key)}
    ).drop_duplicates()
    person_of = pd.Series(
        people["person"].astype("string").to_numpy(),
        index=people["source"] + "\x1f" + people["id"],
    )
    person_of = person_of[~person_of.index.duplicated()]
    left_person = unique["a"].map(person_of)
    right_person = unique["b"].map(person_of)
    matched = left_person.notna() & (left_person == right_person)
    return LinkageScore(
        true_positives=int(matched.sum()),
        predicted_pairs=len(unique),
        true_pairs=_pairs_in_groups(people, ["person"], cross),
    )
