"""The Splink model a zero-config record-matching run uses: comparisons and blocking rules.

Given inferred :class:`~cxloop.identity.record_columns.ColumnSpec` s and the normalised tables,
this module picks

* one Splink comparison per used column, by kind (Jaro-Winkler for names, date-of-birth levels for
  dates, Damerau-Levenshtein for ids and postcodes, email and exact levels, term-frequency
  adjustments where values are skewed), and
* blocking rules: which record pairs are scored at all. Rules are chosen from the data: the
  number of pairs each candidate rule would create is counted exactly from value frequencies,
  and rules are kept under a budget of pairs per record, on disjoint columns wherever possible,
  so a typo in one field never hides a true match from every rule.

Nothing here touches a database; the model is plain Splink settings.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink.internals.comparison_creator import ComparisonCreator

from cxloop.defaults import ColumnKind
from cxloop.identity.record_columns import DATE_KINDS, NAME_KINDS, ColumnSpec

# Kinds that can make a blocking rule on their own or with a partner. Low-cardinality kinds
# (state, category, number, street number) only ever join as partners of a stronger column.
_BLOCKING_KINDS = frozenset(
    {
        ColumnKind.GIVEN_NAME,
        ColumnKind.SURNAME,
        ColumnKind.FULL_NAME,
        ColumnKind.DATE_OF_BIRTH,
        ColumnKind.DATE,
        ColumnKind.POSTCODE,
        ColumnKind.STREET_ADDRESS,
        ColumnKind.CITY,
        ColumnKind.PHONE,
        ColumnKind.EMAIL,
        ColumnKind.NATIONAL_ID,
        ColumnKind.IDENTIFIER,
        ColumnKind.TEXT,
    }
)
_PARTNER_KINDS = frozenset(
    {ColumnKind.STATE, ColumnKind.CATEGORY, ColumnKind.NUMBER, ColumnKind.STREET_NUMBER}
)
_SAMPLE_FOR_COUNTING = 200_000


@dataclass(frozen=True)
class BlockingRule:
    """A blocking rule: the pairs agreeing on every listed column are compared.

    Attributes:
        columns: SQL-safe column names that must be equal on both records.
        pairs: how many record pairs the rule creates (counted from value frequencies).
        swapped_names: the rule matches given name against surname and vice versa.
    """

    columns: tuple[str, ...]
    pairs: int
    swapped_names: bool = False

    @property
    def sql(self) -> str:
        """The rule as Splink SQL (``l.`` and ``r.`` are the two records)."""
        if self.swapped_names:
            given, surname = self.columns
            return f"l.{given} = r.{surname} AND l.{surname} = r.{given}"
        return " AND ".join(f"l.{column} = r.{column}" for column in self.columns)


def damerau_levenshtein_comparison(
    column: str, thresholds: Sequence[int], *, term_frequency_adjustments: bool = False
) -> ComparisonCreator:
    """Exact, then Damerau-Levenshtein distance within each threshold, then anything else.

    Same levels as Splink's ``DamerauLevenshteinAtThresholds``, but each level first checks the
    plain Levenshtein distance against twice the threshold (a transposition costs 1 in
    Damerau-Levenshtein and 2 in Levenshtein, so DL ≤ t implies Levenshtein ≤ 2t). DuckDB's
    Levenshtein is several times faster, and Damerau-Levenshtein then runs only on the few pairs
    left; on random pairs of ids (``u`` estimation) this cuts the cost of the comparison by ~5x.
    """
    levels: list[Any] = [
        cll.NullLevel(column),
        cll.ExactMatchLevel(column, term_frequency_adjustments=term_frequency_adjustments),
    ]
    for threshold in thresholds:
        levels.append(
            cll.And(
                cll.LevenshteinLevel(column, 2 * threshold),
                cll.DamerauLevenshteinLevel(column, threshold),
            ).configure(label_for_charts=f"Damerau-Levenshtein distance <= {threshold}")
        )
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name=column)


def comparison_for(spec: ColumnSpec, column: str) -> ComparisonCreator:
    """The Splink comparison for one normalised column of the given kind."""
    kind = spec.kind
    if kind in NAME_KINDS:
        return cl.NameComparison(column).configure(term_frequency_adjustments=True)
    if kind in DATE_KINDS:
        # normalised to DATE values (invalid dates are already null)
        return cl.DateOfBirthComparison(column, input_is_string=False)
    if kind is ColumnKind.EMAIL:
        return cl.EmailComparison(column)
    if kind is ColumnKind.POSTCODE:
        return damerau_levenshtein_comparison(column, [1, 2], term_frequency_adjustments=True)
    if kind in (ColumnKind.NATIONAL_ID, ColumnKind.IDENTIFIER, ColumnKind.PHONE):
        return damerau_levenshtein_comparison(column, [1, 2])
    if kind in (ColumnKind.STREET_ADDRESS, ColumnKind.CITY, ColumnKind.TEXT):
        return cl.JaroWinklerAtThresholds(column, [0.92, 0.8]).configure(
            term_frequency_adjustments=True
        )
    if kind is ColumnKind.FREE_TEXT:
        return cl.JaroWinklerAtThresholds(column, [0.9, 0.7])
    # state, category, number, street number: equal or not
    return cl.ExactMatch(column).configure(term_frequency_adjustments=True)


def comparisons_for(
    specs: Sequence[ColumnSpec], internal_names: Mapping[str, str]
) -> list[ComparisonCreator]:
    """One comparison per used column, in input order."""
    return [comparison_for(spec, internal_names[spec.name]) for spec in specs if spec.is_used]


def count_blocked_pairs(tables: Sequence[pd.DataFrame], columns: Sequence[str]) -> int:
    """How many pairs a rule on ``columns`` creates: exact, from the key frequencies.

    Linking two tables counts left × right per key; deduplicating one counts n(n-1)/2 per key.
    Rows with a null in any key column never pair (SQL ``NULL = NULL`` is not true).
    """
    return _PairCounter(tables).pairs(tuple(columns))


class _PairCounter:
    """Counts blocked pairs from integer codes shared by the tables (fast, repeated use)."""

    def __init__(self, tables: Sequence[pd.DataFrame]) -> None:
        self._tables = list(tables)
        self._lengths = [len(table) for table in tables]
        self._codes: dict[str, np.ndarray[Any, np.dtype[np.int64]]] = {}

    def _column_codes(self, column: str) -> np.ndarray[Any, np.dtype[np.int64]]:
        """One code per distinct value over all tables; -1 for null."""
        if column not in self._codes:
            stacked = pd.concat([table[column] for table in self._tables], ignore_index=True)
            codes, _ = pd.factorize(stacked, use_na_sentinel=True)
            self._codes[column] = codes.astype(np.int64)
        return self._codes[column]

    def _key_codes(self, columns: tuple[str, ...]) -> np.ndarray[Any, np.dtype[np.int64]]:
        key = self._column_codes(columns[0])
        for column in columns[1:]:
            other = self._column_codes(column)
            combined = key * (int(other.max()) + 2) + other
            combined[(key < 0) | (other < 0)] = -1
            key, _ = pd.factorize(combined)
            key = key.astype(np.int64)
            key[combined < 0] = -1
        return key

    def pairs(self, columns: tuple[str, ...]) -> int:
        """Pairs agreeing on every column of ``columns``."""
        key = self._key_codes(columns)
        size = int(key.max()) + 1
        if size <= 0:
            return 0
        bounds = np.cumsum([0, *self._lengths])
        counts = [
            np.bincount(part[part >= 0], minlength=size).astype(np.int64)
            for part in (key[start:end] for start, end in itertools.pairwise(bounds))
        ]
        if len(counts) == 1:
            return int((counts[0] * (counts[0] - 1) // 2).sum())
        return int((counts[0] * counts[1]).sum())


def _sampled(tables: Sequence[pd.DataFrame]) -> tuple[list[pd.DataFrame], float]:
    """Tables cut to at most ``_SAMPLE_FOR_COUNTING`` rows each, and the pair-count scale-up."""
    largest = max(len(table) for table in tables)
    if largest <= _SAMPLE_FOR_COUNTING:
        return list(tables), 1.0
    fraction = _SAMPLE_FOR_COUNTING / largest
    sampled = [table.sample(frac=fraction, random_state=7) for table in tables]
    return sampled, 1.0 / fraction**2


def choose_blocking_rules(
    tables: Sequence[pd.DataFrame],
    specs: Sequence[ColumnSpec],
    internal_names: Mapping[str, str],
    *,
    pairs_per_record: float = 5.0,
    max_rules: int = 10,
) -> list[BlockingRule]:
    """Blocking rules for scoring, chosen from the data under a budget of pairs per record.

    Every blockable column is used: alone when its rule stays under the budget, otherwise with
    the partner column that cuts the pairs most. Partners are taken from columns not yet used,
    so rules stay on disjoint columns and a typo in one field leaves the others to find the
    pair. When a given name and a surname are both present, a swapped-names rule is added.

    Args:
        tables: the normalised tables (one to deduplicate, two to link).
        specs: the column specs.
        internal_names: raw column name → SQL-safe name used in ``tables``.
        pairs_per_record: the budget: a rule may create at most this many pairs per record
            (and at least 10,000 pairs in all).
        max_rules: at most this many rules.
    """
    counted, scale = _sampled(tables)
    records = sum(len(table) for table in tables)
    budget = max(10_000.0, pairs_per_record * records)
    kinds = {internal_names[s.name]: s.kind for s in specs if s.is_used}
    cache: dict[tuple[str, ...], int] = {}
    counter = _PairCounter(counted)

    def pairs(columns: tuple[str, ...]) -> int:
        if columns not in cache:
            cache[columns] = int(counter.pairs(columns) * scale)
        return cache[columns]

    leads = [c for c, kind in kinds.items() if kind in _BLOCKING_KINDS]
    partners = [c for c, kind in kinds.items() if kind in _PARTNER_KINDS]
    # most selective first: the fewest pairs on its own
    leads.sort(key=lambda column: pairs((column,)))
    rules: list[BlockingRule] = []
    used: set[str] = set()
    for column in leads:
        if column in used:
            continue
        alone = pairs((column,))
        if alone <= budget:
            rules.append(BlockingRule((column,), alone))
            used.add(column)
            continue
        rule = _best_pair(column, leads + partners, used, budget, pairs)
        if rule is not None:
            rules.append(rule)
            used.update(rule.columns)
    rules.sort(key=lambda rule: rule.pairs)
    rules = rules[:max_rules]
    swapped = _swapped_names_rule(tables, kinds, budget)
    if swapped is not None:
        rules.append(swapped)
    return rules


def _best_pair(
    column: str,
    candidates: Sequence[str],
    used: set[str],
    budget: float,
    pairs: Any,
) -> BlockingRule | None:
    """``column`` with the partner that cuts pairs most; unused partners preferred."""
    for allow_used in (False, True):
        options = [
            (pairs((column, other)), other)
            for other in candidates
            if other != column and (allow_used or other not in used)
        ]
        under = [(count, other) for count, other in options if count <= budget]
        if under:
            # the partner that keeps most pairs under the budget keeps most typo-tolerance
            count, other = max(under)
            return BlockingRule((column, other), count)
    return None


def _swapped_names_rule(
    tables: Sequence[pd.DataFrame], kinds: Mapping[str, ColumnKind], budget: float
) -> BlockingRule | None:
    given = next((c for c, k in kinds.items() if k is ColumnKind.GIVEN_NAME), None)
    surname = next((c for c, k in kinds.items() if k is ColumnKind.SURNAME), None)
    if given is None or surname is None:
        return None
    if len(tables) == 1:
        swapped_left, swapped_right = tables[0], tables[0]
    else:
        swapped_left, swapped_right = tables[0], tables[1]
    left = swapped_left[[given, surname]].dropna().value_counts(sort=False)
    right = swapped_right[[surname, given]].dropna().value_counts(sort=False)
    right.index = right.index.set_names([given, surname])
    joined = left.to_frame("left").join(right.to_frame("right"), how="inner")
    count = int((joined["left"] * joined["right"]).sum())
    if len(tables) == 1:
        count //= 2
    return BlockingRule((given, surname), count, swapped_names=True) if count <= budget else None


def choose_training_rules(
    rules: Sequence[BlockingRule], comparison_columns: Sequence[str], *, sessions: int = 2
) -> list[BlockingRule]:
    """Blocking rules for EM training: large enough to hold non-matches, on disjoint columns.

    Splink cannot estimate ``m`` for a comparison inside the training rule, so the rules must be
    column-disjoint: each comparison is then estimated in at least one session.
    """
    candidates = sorted(
        (rule for rule in rules if not rule.swapped_names), key=lambda rule: -rule.pairs
    )
    chosen: list[BlockingRule] = []
    for rule in candidates:
        if all(set(rule.columns).isdisjoint(other.columns) for other in chosen):
            chosen.append(rule)
        if len(chosen) == sessions:
            break
    inside_every = [c for c in comparison_columns if all(c in r.columns for r in chosen)]
    if chosen and inside_every:
        # a single disjoint rule: add the largest rule that leaves those comparisons out
        extra = next(
            (r for r in candidates if r not in chosen and not set(inside_every) & set(r.columns)),
            None,
        )
        if extra is not None:
            chosen.append(extra)
    return chosen
