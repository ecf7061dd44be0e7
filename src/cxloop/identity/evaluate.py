"""How good are the profiles? Pairwise scores over identifiers against a known truth.

Every two identifiers in one profile are a predicted pair; every two identifiers of one person
(``truth/identities.csv`` of a simulated world) a true pair. Counting is done on group sizes
(n identifiers → n(n-1)/2 pairs), never by listing pairs.

* ``precision``, ``recall``, ``f1`` — pairwise, over the identifiers both the store and the truth
  know. Identifiers the truth gives to several people (a household's shared tablet or email) have
  no single right answer and are left out of the pairs (``shared_identifiers_excluded``); what
  they do to *other* identifiers — chaining two people together — is fully counted.
* ``purity`` — the share of identifiers that belong to their profile's majority person.
* ``recall_reachable`` — recall over the true pairs that the evidence can link at all: two
  identifiers of one person that are connected through links between that person's own
  identifiers. An identifier never seen with another one (a cookie used only for anonymous
  browsing) cannot be resolved by any method; ``recall`` counts it, ``recall_reachable`` does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cxloop.identity.graph import EDGES, IDENTITY_MAP
from cxloop.identity.linkage_evaluation import LinkageScore
from cxloop.store import Store

__all__ = ["IdentityScore", "evaluate_profiles", "read_truth"]


class TruthError(ValueError):
    """A truth folder or file that cannot be used."""


@dataclass(frozen=True)
class IdentityScore(LinkageScore):
    """Pairwise counts and scores of the profiles against the truth (precision, recall and F1
    as for record matching, :class:`~cxloop.identity.linkage_evaluation.LinkageScore`), plus
    recall over the pairs the evidence can link at all, and cluster purity."""

    reachable_true_positives: int
    reachable_pairs: int
    purity: float
    identifiers: int
    profiles: int
    people: int
    shared_identifiers_excluded: int
    identifiers_not_in_truth: int

    @property
    def recall_reachable(self) -> float:
        return self.reachable_true_positives / self.reachable_pairs if self.reachable_pairs else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "purity": self.purity,
            "recall_reachable": self.recall_reachable,
            "true_positives": self.true_positives,
            "false_positives": self.predicted_pairs - self.true_positives,
            "false_negatives": self.true_pairs - self.true_positives,
            "predicted_pairs": self.predicted_pairs,
            "true_pairs": self.true_pairs,
            "reachable_pairs": self.reachable_pairs,
            "identifiers": self.identifiers,
            "profiles": self.profiles,
            "people": self.people,
            "shared_identifiers_excluded": self.shared_identifiers_excluded,
            "identifiers_not_in_truth": self.identifiers_not_in_truth,
        }


def read_truth(path: str | Path) -> pd.DataFrame:
    """``identifier, person_id`` from a truth folder (``identities.csv`` inside) or file."""
    file = Path(path)
    if file.is_dir():
        file = file / "identities.csv"
    if not file.is_file():
        raise TruthError(
            f"{file}: no such truth file (expected truth/identities.csv of a simulated world)"
        )
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    missing = {"identifier", "person_id"} - set(frame.columns)
    if missing:
        raise TruthError(f"{file}: column(s) {', '.join(sorted(missing))} not found")
    empty = (frame["identifier"] == "") | (frame["person_id"] == "")
    if empty.any():
        row = int(empty.to_numpy().nonzero()[0][0]) + 2
        raise TruthError(f"{file}: line {row} has an empty identifier or person_id")
    return frame[["identifier", "person_id"]].drop_duplicates()


def _pairs(sizes: pd.Series) -> int:
    values = sizes.to_numpy(dtype=np.int64)
    return int((values * (values - 1) // 2).sum())


def evaluate_profiles(store: Store, truth: str | Path | pd.DataFrame) -> IdentityScore:
    """Score the store's profiles (``identity_map``) against the truth."""
    people = truth if isinstance(truth, pd.DataFrame) else read_truth(truth)
    owners = people.groupby("identifier")["person_id"].nunique()
    shared = set(owners[owners > 1].index)
    single = people[~people["identifier"].isin(shared)].drop_duplicates("identifier")
    mapped = store.query(f"SELECT identifier, profile_id FROM {IDENTITY_MAP.name}").to_pandas()
    if mapped.empty:
        raise TruthError("the store has no profiles yet; run cxloop identity resolve first")
    joined = mapped.merge(single, on="identifier")
    unknown = int((~mapped["identifier"].isin(people["identifier"])).sum())

    both = joined.groupby(["profile_id", "person_id"]).size()
    majority = both.groupby(level=0).max().sum()

    # the evidence graph restricted to links between one person's own identifiers
    edges = store.query(f"SELECT identifier_a, identifier_b FROM {EDGES.name}").to_pandas()
    person_of = joined.set_index("identifier")["person_id"]
    ea, eb = edges["identifier_a"].map(person_of), edges["identifier_b"].map(person_of)
    own = edges[ea.notna() & (ea == eb)]
    index = pd.Series(np.arange(len(joined)), index=joined["identifier"])
    rows, cols = index[own["identifier_a"]].to_numpy(), index[own["identifier_b"]].to_numpy()
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(joined), len(joined)))
    _, evidence = connected_components(graph, directed=False)
    joined["evidence"] = evidence
    return IdentityScore(
        true_positives=_pairs(both),
        predicted_pairs=_pairs(joined.groupby("profile_id").size()),
        true_pairs=_pairs(joined.groupby("person_id").size()),
        reachable_true_positives=_pairs(
            joined.groupby(["profile_id", "person_id", "evidence"]).size()
        ),
        reachable_pairs=_pairs(joined.groupby(["person_id", "evidence"]).size()),
        purity=float(majority / len(joined)) if len(joined) else 1.0,
        identifiers=len(joined),
        profiles=int(joined["profile_id"].nunique()),
        people=int(joined["person_id"].nunique()),
        shared_identifiers_excluded=int(mapped["identifier"].isin(shared).sum()),
        identifiers_not_in_truth=unknown,
    )
