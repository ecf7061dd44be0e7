"""How well journeys agree with a simulated world's truth (``truth/journeys.csv``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa


def evaluate_journeys(event_map: pa.Table, journeys: pa.Table, truth_dir: Path) -> dict[str, Any]:
    """Adjusted Rand index of the event → journey grouping over the events of true journeys
    (an event we left out counts as a journey of its own), and agreement of first-contact
    resolution, time to resolution (within 1 s) and re-identification counts on the journeys
    matched to each true journey (the built journey holding most of its events)."""
    # scikit-learn takes seconds to import: only evaluation pays for it, not every build
    from sklearn.metrics import adjusted_rand_score

    truth = pd.read_csv(truth_dir / "journeys.csv", usecols=["event_id", "journey_id"])
    facts = pd.read_csv(truth_dir / "journey_facts.csv")
    ours = event_map.select(["event_id", "journey_id"]).to_pandas()
    x = truth.merge(ours, on="event_id", how="left", suffixes=("_true", ""))
    assigned = x.journey_id.notna()
    labels = x.journey_id.where(assigned, "unassigned:" + x.event_id)
    ari = float(adjusted_rand_score(x.journey_id_true, labels))
    pairs = (
        x[assigned]
        .groupby(["journey_id_true", "journey_id"])
        .size()
        .reset_index(name="n")
        .sort_values(["n", "journey_id"])
        .drop_duplicates("journey_id_true", keep="last")
    )
    j = journeys.select(
        [
            "journey_id",
            "first_contact_resolution",
            "time_to_resolution_s",
            "reidentifications",
            "resolved",
            "contacts",
        ]
    ).to_pandas()
    cmp = facts.merge(
        pairs, left_on="journey_id", right_on="journey_id_true", suffixes=("_t", "")
    ).merge(j, on="journey_id", suffixes=("_t", ""))
    resolved = cmp[cmp.resolved_t.astype(bool)]
    ttr_ok = np.abs(resolved.time_to_resolution_s_t - resolved.time_to_resolution_s) < 1.0
    true_fcr = float(facts.first_contact_resolution.astype(bool).mean())
    return {
        "ari": round(ari, 6),
        "true_journeys": len(facts),
        "built_journeys": int(journeys.num_rows),
        "events_in_true_journeys": len(x),
        "events_unassigned": int((~assigned).sum()),
        "matched_journeys": len(cmp),
        "fcr_agreement": round(
            float(
                (cmp.first_contact_resolution_t.astype(int) == cmp.first_contact_resolution).mean()
            ),
            6,
        ),
        "fcr_true": round(true_fcr, 6),
        "fcr_built": round(
            float(pd.Series(journeys.column("first_contact_resolution").to_pylist()).mean()), 6
        ),
        "ttr_agreement": round(float(ttr_ok.mean()), 6),
        "ttr_median_true": float(facts.time_to_resolution_s.median()),
        "ttr_median_built": float(
            pd.Series(journeys.column("time_to_resolution_s").to_pylist(), dtype=float).median()
        ),
        "reidentification_agreement": round(
            float((cmp.reidentifications_t == cmp.reidentifications).mean()), 6
        ),
        "reidentifications_true": int(facts.reidentifications.sum()),
        "reidentifications_built": int(
            pa.compute.sum(journeys.column("reidentifications")).as_py() or 0
        ),
    }
