"""The data quality report (wizard/datareport/): a test per finding, on small data made
here, and the bundled public datasets, which must show no leak."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.datainsights import applicable, apply_fix, fix_path, fix_text
from wizard.datareport import build_report
from wizard.datareport.columns import infer_column
from wizard.datareport.file import sniff_bytes, sniff_file
from wizard.datareport.findings import Finding, file_findings
from wizard.datareport.leakage import LEAK_AUC
from wizard.datasample import Sample, read_sample
from wizard.templates import DATASETS_DIR

BINARY = "binary_classification"
MULTICLASS = "multiclass_classification"


def _sample(columns: list[str], rows: list[list[object]]) -> Sample:
    cells = tuple(tuple(None if v is None else str(v) for v in row) for row in rows)
    return Sample(Path("data.csv"), tuple(columns), cells, True, len(cells), True, 0)


def _honest(n: int = 400, seed: int = 7) -> tuple[list[str], list[list[object]]]:
    """Two ordinary features and a binary label they predict only in part."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        label = int(rng.random() < 0.4)
        rows.append([round(rng.gauss(label, 1.0), 4), rng.choice("abc"), label])
    return ["score", "colour", "label"], rows


def _codes(report, column: str | None = None) -> set[str]:
    return {f.code for f in report.findings if column is None or f.column == column}


def _finding(report, code: str, column: str | None = None) -> Finding:
    return next(f for f in report.findings if f.code == code and f.column == column)


# ---------------------------------------------------------------------------- leakage


def test_an_id_issued_in_label_order_is_flagged_as_a_leak():
    columns, rows = _honest()
    rows.sort(key=lambda r: r[2])  # the file lists one class, then the other
    sample = _sample(["row_id", *columns], [[i + 1, *r] for i, r in enumerate(rows)])
    report = build_report(sample, target="label", problem_type=BINARY)
    assert report.column("row_id").kind == "identifier"
    leak = _finding(report, "leak", "row_id")
    assert leak.fix == {"action": "drop_column", "column": "row_id"}
    assert "AUC 1.000" in leak.message
    assert [p.column for p in report.leaks] == ["row_id"]


def test_codes_issued_in_label_order_are_flagged():
    columns, rows = _honest()
    rows.sort(key=lambda r: r[2])
    sample = _sample(["ref", *columns], [[f"C-{i}", *r] for i, r in enumerate(rows)])
    report = build_report(sample, target="label", problem_type=BINARY)
    assert report.column("ref").kind == "identifier"
    assert [p.column for p in report.leaks] == ["ref"]


def test_a_shuffled_id_is_an_identifier_but_no_leak():
    columns, rows = _honest()
    rng = random.Random(1)
    sample = _sample(
        ["id", "uuid", *columns],
        [[i + 1, f"{rng.getrandbits(128):032x}", *r] for i, r in enumerate(rows)],
    )
    report = build_report(sample, target="label", problem_type=BINARY)
    for column in ("id", "uuid"):
        assert "identifier" in _codes(report, column) and "leak" not in _codes(report, column)


def test_a_noisy_copy_of_the_target_is_flagged():
    rng = random.Random(3)
    columns, rows = _honest(600)
    sample = _sample(
        [*columns, "outcome_score"], [[*r, round(r[2] + rng.gauss(0, 0.3), 4)] for r in rows]
    )
    report = build_report(sample, target="label", problem_type=BINARY)
    power = next(p for p in report.powers if p.column == "outcome_score")
    assert power.leak and 0.98 <= power.value <= 1.0
    assert {p.column for p in report.leaks} == {"outcome_score"}


def test_the_target_recoded_as_y_n_is_flagged():
    columns, rows = _honest()
    sample = _sample([*columns, "approved"], [[*r, "Y" if r[2] else "N"] for r in rows])
    report = build_report(sample, target="label", problem_type=BINARY)
    power = report.powers[0]
    assert power.column == "approved" and power.value == pytest.approx(1.0)
    assert _finding(report, "leak", "approved").severity == "warning"


def test_a_column_filled_in_only_for_one_class_is_flagged():
    columns, rows = _honest()
    dated = [[*r, f"2024-03-{1 + i % 28:02d}" if r[2] else None] for i, r in enumerate(rows)]
    report = build_report(
        _sample([*columns, "closed_on"], dated), target="label", problem_type=BINARY
    )
    assert "leak" in _codes(report, "closed_on")
    flagged = [[*r, "yes" if r[2] else None] for r in rows]
    report = build_report(
        _sample([*columns, "closed"], flagged), target="label", problem_type=BINARY
    )
    assert "leak" in _codes(report, "closed")


def test_ordinary_features_are_not_leaks():
    columns, rows = _honest()
    report = build_report(_sample(columns, rows), target="label", problem_type=BINARY)
    assert report.leaks == [] and report.powers[0].column == "score"
    assert 0.6 < report.powers[0].value < LEAK_AUC


def test_regression_and_multiclass_leaks():
    rng = random.Random(5)
    rows = []
    for _ in range(500):
        y = rng.uniform(0, 100)
        rows.append([round(y * 1.8 + 32 + rng.gauss(0, 1), 3), round(rng.gauss(0, 1), 3), y])
    report = build_report(
        _sample(["fahrenheit", "noise", "celsius"], rows),
        target="celsius",
        problem_type="regression",
    )
    assert [p.column for p in report.leaks] == ["fahrenheit"]
    assert report.powers[0].metric == "r2" and report.powers[0].value > 0.97
    rows = [[c.upper(), rng.random(), c] for c in (rng.choice("pqrs") for _ in range(400))]
    report = build_report(
        _sample(["code", "x", "kind"], rows), target="kind", problem_type=MULTICLASS
    )
    assert [p.column for p in report.leaks] == ["code"]
    assert report.powers[0].metric == "accuracy" and report.powers[0].baseline < 0.35
    rows.extend([["T", 0.5, "t"]] * 2)  # a class too rare to judge leaves the check alone
    report = build_report(
        _sample(["code", "x", "kind"], rows), target="kind", problem_type=MULTICLASS
    )
    assert [p.column for p in report.leaks] == ["code"]


# ------------------------------------------------------------------- target and rows


def test_a_one_to_ninety_nine_target_asks_for_class_weights():
    rows = [[i % 7, int(i % 100 == 0)] for i in range(2000)]
    report = build_report(_sample(["x", "fraud"], rows), target="fraud", problem_type=BINARY)
    assert report.balance.counts == {"0": 1980, "1": 20}
    assert report.balance.imbalanced and report.balance.minority == "1"
    finding = _finding(report, "imbalance", "fraud")
    assert finding.fix == {"action": "weight_classes", "scale_pos_weight": 99.0}
    assert "1,980 / 20 = 99" in finding.message


def test_a_rare_class_of_several_asks_for_balanced_weights():
    rows = [[i % 5, "abcd"[i % 4] if i % 50 else "e"] for i in range(1000)]
    report = build_report(_sample(["x", "grade"], rows), target="grade", problem_type=MULTICLASS)
    assert report.balance.minority == "e" and report.balance.scale_pos_weight is None
    finding = _finding(report, "imbalance", "grade")
    assert finding.fix == {"action": "weight_classes", "scheme": "balanced"}
    assert "2.0%" in finding.message
    # a scikit-learn classifier takes the fix (train.py's --class_weight balanced) ...
    forest = {"training": {"algorithm": "sklearn_random_forest"}}
    assert fix_path(finding.fix) == "training.hyperparameters.class_weight"
    assert fix_text(finding.fix, forest) == 'training.hyperparameters.class_weight = "balanced"'
    assert applicable([finding], forest) == [finding]
    fixed = apply_fix(forest, finding.fix)
    assert fixed["training"]["hyperparameters"] == {"class_weight": "balanced"}
    assert applicable([finding], fixed) == []
    # ... the built-in XGBoost weighs only the positive class of two: the fix says what to
    # choose instead, and is not made for the person
    assert "sklearn_random_forest" in fix_text(finding.fix, {})
    assert applicable([finding], {}) == []


def test_a_regression_target_written_as_text_is_parsed_and_checked_for_leaks():
    rng = random.Random(9)
    rows = []
    for _ in range(300):
        price = rng.uniform(1000, 90000)
        rows.append([round(price / 1000 + rng.gauss(0, 0.5), 2), rng.random(), f"${price:,.2f}"])
    report = build_report(
        _sample(["thousands", "noise", "price"], rows), target="price", problem_type="regression"
    )
    fix = _finding(report, "number_as_text", "price").fix
    assert fix["thousands"] == "," and fix["currency"] == "$"
    assert [p.column for p in report.leaks] == ["thousands"]


def test_balanced_classes_need_no_weights():
    columns, rows = _honest()
    report = build_report(_sample(columns, rows), target="label", problem_type=BINARY)
    assert not report.balance.imbalanced and "imbalance" not in _codes(report)


def test_labels_that_differ_in_case_or_spaces_are_normalised():
    labels = ["Yes"] * 30 + ["yes"] * 5 + ["no"] * 30 + [" no"] * 4
    rows = [[i, label] for i, label in enumerate(labels)]
    report = build_report(_sample(["x", "churn"], rows), target="churn", problem_type=BINARY)
    finding = _finding(report, "label_variants", "churn")
    assert finding.fix == {
        "action": "normalise_labels",
        "column": "churn",
        "mapping": {" no": "no", "yes": "Yes"},
    }
    assert report.balance.counts == {"Yes": 35, "no": 34}
    assert "problem_type" not in _codes(report)  # two classes once normalised


def test_many_numeric_values_under_classification_suggest_regression():
    rows = [[i, round(i * 1.37 % 91, 2)] for i in range(200)]
    report = build_report(_sample(["x", "price"], rows), target="price", problem_type=BINARY)
    finding = _finding(report, "problem_type", "price")
    assert finding.fix == {"action": "set_problem_type", "value": "regression"}
    assert (
        "looks like regression:" in finding.message and "distinct numeric values" in finding.message
    )
    assert "profile.problem_type = 'regression'" in finding.message


def test_duplicate_rows_are_counted():
    columns, rows = _honest(100)
    report = build_report(_sample(columns, rows + rows[:10]), target="label", problem_type=BINARY)
    assert report.duplicates == 10
    finding = _finding(report, "duplicates")
    assert finding.fix == {"action": "drop_duplicates"} and finding.severity == "warning"
    assert "10 rows (9.1%)" in finding.message


# ------------------------------------------------------------------------ column kinds


def test_numbers_written_with_thousands_separators_parse():
    rows = [[f"{1000 + i * 37.5:,.1f}", i % 2] for i in range(100)]
    report = build_report(_sample(["income", "label"], rows), target="label", problem_type=BINARY)
    insight = report.column("income")
    assert insight.kind == "number_as_text" and "','" in insight.reason
    assert _finding(report, "number_as_text", "income").fix == {
        "action": "parse_number",
        "column": "income",
        "thousands": ",",
        "decimal": ".",
    }


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        (["$12", "$1,300.50", "$7"], {"thousands": ",", "currency": "$"}),
        (["45%", "3.5%", "100%"], {"percent": True}),
        (["1.234,5", "17,25", "3,0"], {"thousands": ".", "decimal": ","}),
        (["(12.00)", "4.50", "€3"], {"currency": "€", "parentheses": True}),
    ],
)
def test_currency_percent_and_european_numbers(values, fields):
    insight = infer_column("amount", values * 20)
    assert insight.kind == "number_as_text"
    assert {k: insight.parse[k] for k in fields} == fields


def test_numbers_with_a_few_stray_words_read_the_words_as_missing():
    insight = infer_column("age", [str(20 + i % 40) for i in range(200)] + ["unknown"] * 3)
    assert insight.kind == "number_as_text" and insight.parse["invalid"] == "missing"
    assert "'unknown'" in insight.reason


@pytest.mark.parametrize(
    ("values", "fmt"),
    [
        ([f"2024-{m:02d}-{d:02d}" for m in range(1, 13) for d in (1, 15, 28)], "%Y-%m-%d"),
        ([f"{d}/{m}/2023" for m in range(1, 13) for d in (3, 14, 27)], "%d/%m/%Y"),
        ([f"{m}/{d}/2023" for m in range(1, 13) for d in (3, 14, 27)], "%m/%d/%Y"),
        ([f"2024-01-{d:02d}T10:{d:02d}:00Z" for d in range(1, 29)], "ISO8601"),
        ([f"{d:02d}.{m:02d}.2022 08:30" for m in range(1, 13) for d in (5, 20)], "%d.%m.%Y %H:%M"),
        ([f"{d} Mar 2021" for d in range(1, 29)], "%d %b %Y"),
    ],
)
def test_dates_and_their_format(values, fmt):
    insight = infer_column("signup", values)
    assert insight.kind == "datetime" and insight.parse == {"format": fmt}


def test_a_date_column_gets_a_parse_date_fix():
    rows = [[f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", i % 2] for i in range(120)]
    report = build_report(_sample(["joined", "label"], rows), target="label", problem_type=BINARY)
    assert _finding(report, "datetime", "joined").fix == {
        "action": "parse_date",
        "column": "joined",
        "format": "%Y-%m-%d",
    }


def test_constant_and_mostly_missing_columns():
    rows = [["UK", None if i % 10 else "x", i % 3, i % 2] for i in range(100)]
    report = build_report(
        _sample(["country", "notes", "x", "label"], rows), target="label", problem_type=BINARY
    )
    assert report.column("country").kind == "constant"
    assert _finding(report, "constant", "country").fix == {
        "action": "drop_column",
        "column": "country",
    }
    notes = report.column("notes")
    assert notes.kind == "mostly_missing" and notes.missing_share == pytest.approx(0.9)
    assert "90%" in _finding(report, "mostly_missing", "notes").message


def test_free_text_and_categories_are_told_apart_by_their_values():
    rng = random.Random(2)
    words = [
        "the",
        "delivery",
        "was",
        "late",
        "and",
        "the",
        "box",
        "arrived",
        "damaged",
        "but",
        "support",
        "helped",
        "quickly",
    ]
    text = [" ".join(rng.choice(words) for _ in range(rng.randint(5, 12))) for _ in range(200)]
    assert infer_column("x1", text).kind == "free_text"
    plans = [rng.choice(["basic", "pro plan", "enterprise"]) for _ in range(200)]
    category = infer_column("comments", plans)  # the name does not make it free text
    assert category.kind == "category" and category.distinct == 3


def test_identifiers_by_their_values():
    rng = random.Random(4)
    uuids = [f"{rng.getrandbits(128):032x}" for _ in range(50)]
    uuids = [f"{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}" for u in uuids]
    assert infer_column("ref", uuids).kind == "identifier"
    assert infer_column("n", [str(i) for i in range(100, 200)]).kind == "identifier"
    assert infer_column("income", [str(i * 137 % 5000 * 10) for i in range(100)]).kind == "number"
    codes = [f"CUST-{i:05d}" for i in range(60)]
    assert infer_column("customer", codes).kind == "identifier"
    assert infer_column("zip", [f"{i % 40:05d}" for i in range(200)]).kind == "category"
    declared = infer_column("account", ["a", "b", "a", "c"], declared_id=True)
    assert declared.kind == "identifier" and "you marked" in declared.reason
    sample = _sample(["account", "x"], [["a", 1], ["b", 2], ["a", 3]])
    report = build_report(sample, target=None, problem_type=BINARY, id_hint=["account"])
    assert _finding(report, "identifier", "account").fix["action"] == "drop_column"


# --------------------------------------------------------------------------- the file


def test_a_semicolon_file_says_so(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("age;income;label\n" + "".join(f"{20 + i};{i},5;{i % 2}\n" for i in range(50)))
    facts = sniff_file(path)
    assert facts.delimiter == ";" and facts.fields == 3 and facts.reads_as_one_column
    assert facts.decimal_comma
    findings = file_findings(facts)
    delimiter = next(f for f in findings if f.code == "delimiter")
    assert delimiter.severity == "error" and "this looks like ';'-separated" in delimiter.message
    assert delimiter.fix == {"action": "set_delimiter", "value": ";"}
    # the sample alone (read with commas) says it too, when no file facts are given
    sample = read_sample(path, "csv", True)
    report = build_report(sample, target="label", problem_type=BINARY)
    assert _finding(report, "delimiter").fix == {"action": "set_delimiter", "value": ";"}
    # with the file facts, once
    report = build_report(sample, target="label", problem_type=BINARY, file=facts)
    assert sum(1 for f in report.findings if f.code == "delimiter") == 1


def test_tab_and_comma_files():
    facts = sniff_bytes(b"a\tb\tc\n1\t2\t3\n4\t5\t6\n")
    assert facts.delimiter == "\t" and facts.reads_as_one_column
    facts = sniff_bytes(b'name,city\n"Smith; John",Paris\n"Doe; Jane",Rome\n')
    assert facts.delimiter == "," and not facts.reads_as_one_column
    assert file_findings(facts) == []


def test_latin1_and_cp1252_bytes_are_named(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("city,label\nMünchen,1\nSão Paulo,0\n".encode("latin-1"))
    facts = sniff_file(path)
    assert facts.encoding == "latin-1" and not facts.is_utf8
    assert facts.bad_byte == (0xFC, 2, "ü")
    finding = next(f for f in file_findings(facts) if f.code == "encoding")
    assert finding.severity == "error" and "Latin-1" in finding.message
    assert "line 2" in finding.message and finding.fix == {
        "action": "set_encoding",
        "value": "latin-1",
    }
    facts = sniff_bytes("note\n“quoted” – dash\n".encode("cp1252"))
    assert facts.encoding == "cp1252"


def test_utf8_with_a_bom_and_other_containers():
    facts = sniff_bytes(b"\xef\xbb\xbfa,b\n1,2\n")
    assert facts.encoding == "utf-8-sig" and facts.is_utf8
    assert [f.severity for f in file_findings(facts)] == ["info"]
    assert sniff_bytes(b"PK\x03\x04rest").container == "zip"
    assert sniff_bytes("a,b\n1,2\n".encode("utf-16")).container == "utf-16"
    assert sniff_bytes("a,b\n1,2\n".encode("utf-16-be")).container == "utf-16"
    assert sniff_bytes(b"a,b\n\x00\x01\x02,3\n" * 3).container == "binary"
    assert file_findings(sniff_bytes(b"PAR1...."))[0].fix == {
        "action": "set_data_format",
        "value": "parquet",
    }


def test_a_character_cut_by_the_read_limit_is_not_an_encoding_error():
    head = "a,b\nx,é\n".encode()[:-2]  # cut inside the two-byte é
    assert sniff_bytes(head, size=100).encoding == "utf-8"


# ---------------------------------------------------------------- output and real data


def test_json_and_lines():
    columns, rows = _honest()
    rows.sort(key=lambda r: r[2])
    sample = _sample(["row_id", *columns], [[i, *r] for i, r in enumerate(rows)])
    report = build_report(sample, target="label", problem_type=BINARY)
    data = json.loads(report.to_json())
    assert data["target"] == "label" and data["rows"] == 400
    assert {c["name"]: c["kind"] for c in data["columns"]}["row_id"] == "identifier"
    assert data["findings"][0]["fix"]["action"] == "drop_column"
    assert data["predictive_power"][0] == {
        "column": "row_id",
        "metric": "auc",
        "value": 1.0,
        "baseline": 0.5,
        "method": "order of its values alone",
        "leak": True,
    }
    text = "\n".join(report.lines())
    assert "Data report: 400 rows, 4 columns" in text
    assert "row_id: identifier" in text and "warning: row_id: predicts the target" in text


@pytest.mark.parametrize(
    ("name", "target", "problem_type", "metric"),
    [
        ("breast_cancer.csv", "target", BINARY, "auc"),
        ("diabetes.csv", "progression", "regression", "r2"),
    ],
)
def test_public_datasets_show_no_leak(name, target, problem_type, metric):
    path = DATASETS_DIR / name
    report = build_report(
        read_sample(path, "csv", True),
        target=target,
        problem_type=problem_type,
        file=sniff_file(path),
    )
    assert report.leaks == [] and "leak" not in _codes(report)
    assert report.errors == [] and report.warnings == []
    assert {c.kind for c in report.columns} == {"number"}
    best = report.powers[0]
    assert best.metric == metric
    if metric == "auc":  # strong honest features, below the leak line
        assert best.column in {"worst_perimeter", "worst_radius", "worst_area"}
        assert 0.95 < best.value < LEAK_AUC
    else:
        assert 0.2 < best.value < 0.5


def test_a_sampled_file_says_the_figures_come_from_its_first_rows():
    columns, rows = _honest(50)
    sample = Sample(
        Path("d.csv"),
        tuple(columns),
        tuple(tuple(map(str, r)) for r in rows),
        False,
        9000,
        False,
        0,
    )
    report = build_report(sample, target="label", problem_type=BINARY)
    assert report.sampled and report.lines()[0].startswith("Data report: the first 50 rows read")


def test_a_header_without_rows_says_so_once():
    report = build_report(_sample(["a", "b"], []), target="b", problem_type=BINARY)
    assert [f.code for f in report.findings] == ["no_rows"] and report.errors


def test_no_target_still_reports_columns():
    columns, rows = _honest()
    report = build_report(_sample(columns, rows), target="missing", problem_type=BINARY)
    assert report.target is None and report.powers == () and report.balance is None
    assert len(report.columns) == 3


def test_importing_the_report_loads_no_numeric_library():
    code = (
        "import sys, wizard.datareport\n"
        "print(','.join(m for m in ('numpy', 'pandas', 'sklearn', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.bench
def test_ten_thousand_rows_by_thirty_columns_timing():
    """Run by hand (pytest -m bench): prints the time for the largest sample."""
    rng = random.Random(1)
    names = [f"x{i}" for i in range(22)] + [f"c{i}" for i in range(5)] + ["day", "code", "label"]
    rows = []
    for _ in range(10_000):
        y = int(rng.random() < 0.3)
        rows.append(
            [f"{rng.gauss(y * 0.3, 1):.6f}" for _ in range(22)]
            + [rng.choice("abcdefghij") for _ in range(5)]
            + [
                f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                f"C{rng.getrandbits(30)}",
                y,
            ]
        )
    sample = _sample(names, rows)
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        build_report(sample, target="label", problem_type=BINARY)
        best = min(best, time.process_time() - started)
    print(f"\n10,000 x 30: {best * 1000:.0f} ms CPU")
    assert best < 1.0


_CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", "NA", " nan ", "?", "1", "1.0", "-2", "1,234.5", "$3", "45%", "x"]),
    st.sampled_from(["2024-01-31", "31/01/2024", "Yes", " no", "inf", "1e400", "(5)", "0012"]),
    st.text(max_size=12),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(1, 4),
    rows=st.lists(st.lists(_CELLS, min_size=0, max_size=5), max_size=60),
    problem_type=st.sampled_from([BINARY, MULTICLASS, "regression"]),
)
def test_any_sample_gives_a_report(width, rows, problem_type):
    """Ragged rows, missing markers, odd numbers and text never break the report."""
    columns = [f"c{i}" for i in range(width)]
    sample = _sample(columns, rows)
    report = build_report(sample, target="c0", problem_type=problem_type)
    assert len(report.columns) == width
    json.loads(report.to_json())
    assert report.lines()
