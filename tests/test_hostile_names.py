"""Names that look the same: vendor names and labels normalised (NFKC, invisible characters, spaces) and
look-alikes refused with an error naming both; bidirectional overrides and NUL never reach a report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import labeleval as le
from labeleval.present.render import html_table
from labeleval.safety import clean_name, look_alike

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
ROWS = "item,worker,label\n" + "".join(f"{i},{w},{'pos' if i % 2 else 'neg'}\n" for i in range(1, 21) for w in "ab")


def project(tmp_path: Path, names: list[str], labels: str = '["pos", "neg"]') -> Path:
    """A project whose vendors are named ``names`` (TOML basic strings: ``\\u`` escapes allowed)."""
    (tmp_path / "v.csv").write_text(ROWS)
    vendors = "".join(
        f'[[vendors]]\nname = "{name}"\npath = "v.csv"\ncolumns = {{ item_id = "item", annotator_id = "worker" }}\n'
        'pricing = { model = "per_label", rate = 0.1 }\n'
        for name in names
    )
    (tmp_path / "labeleval.toml").write_text(
        f'[task]\nname = "T"\nlabels = {labels}\n[usability]\nrule = "consensus"\n{vendors}'
    )
    return tmp_path


@pytest.mark.parametrize(
    ("other", "why"),
    [
        ("Sc\\u0430le", r"differ only in letters that look alike \('а' CYRILLIC SMALL LETTER A\)"),
        ("Sca\\u200ble", "are the same once invisible characters and surrounding spaces are removed"),
        ("Scale ", "are the same once invisible characters and surrounding spaces are removed"),
        ("\\u0405cale", "differ only in letters that look alike"),  # Cyrillic capital DZE for S
        ("SCALE", "differ only in case"),
    ],
)
def test_vendors_that_look_the_same_are_refused_naming_both(tmp_path: Path, other: str, why: str) -> None:
    folder = project(tmp_path, ["Scale", "Surge", other])
    with pytest.raises(
        le.ManifestError, match=rf"line 16: \[\[vendors\]\] names '.+' and 'Scale' \(line 6\) look the same: they {why}"
    ):
        le.load_project(folder)


def test_a_vendor_name_is_normalised_and_no_control_reaches_a_report(tmp_path: Path) -> None:
    folder = project(tmp_path, ["  Sca\\u202ele\\u0000\\u200b ", "\\uff33urge"])  # RLO, NUL, ZWSP; full-width S
    assert [v.name for v in le.load_project(folder).vendors] == ["Scale", "Surge"]
    report = le.evaluate(folder, n_boot=20)
    assert sorted(report.summary["vendor"]) == ["Scale", "Surge"]
    for document in (report.to_markdown(), report.to_html(), report.to_json()):
        assert not CONTROL.search(document)


def test_a_name_with_no_visible_character_is_refused(tmp_path: Path) -> None:
    with pytest.raises(le.ManifestError, match=r"\[\[vendors\]\] #1.name has no visible character"):
        le.load_project(project(tmp_path, ["\\u200b\\u202e"]))


def test_labels_that_look_the_same_or_hide_characters_are_refused(tmp_path: Path) -> None:
    """Labels must equal the files' values, so they are refused rather than rewritten; case is a difference
    labels may make ("A" and "a"), vendor names not."""
    with pytest.raises(le.ManifestError, match=r"line 3: \[task\].labels: 'p\\u200bos' holds invisible"):
        le.load_project(project(tmp_path, ["V"], '["p\\u200bos", "neg"]'))
    with pytest.raises(le.ManifestError, match=r"\[task\].labels 'роs' and 'pos' look the same"):
        le.load_project(project(tmp_path, ["V"], '["pos", "neg", "\\u0440\\u043es"]'))
    assert le.load_project(project(tmp_path, ["V"], '["pos", "neg", "Pos"]')).task.labels == ("pos", "neg", "Pos")


def test_ids_keep_their_text_but_a_report_table_shows_no_control_character() -> None:
    """Item and annotator ids are opaque: exported as they are, shown without bidirectional overrides or NUL."""
    import pandas as pd

    table = html_table(pd.DataFrame({"annotator": ["a\u202eb\x00c", "d\u2066e"], "n": ["1", "2"]}))
    assert not CONTROL.search(table) and "abc" in table


def test_clean_name_and_look_alike() -> None:
    assert clean_name("Scale\u00a0 AI\t") == "Scale AI"
    assert look_alike("Scаle") == look_alike("scale") != look_alike("Scalo")
    assert look_alike("ΚΟΡΑ", fold_case=False) == "KOPA"  # Greek capitals


def test_a_row_label_that_only_looks_like_a_task_label_is_quarantined(tmp_path: Path) -> None:
    """A file's label must equal a task label: one with a zero-width space or a Cyrillic letter is not counted
    as that label, it is quarantined with its value (escaped in every report)."""
    folder = project(tmp_path, ["V"])
    (folder / "v.csv").write_text(
        ROWS.replace("\n1,a,pos\n", "\n1,a,pos\u200b\n").replace("\n3,a,pos\n", "\n3,a,\u0440os\n")
    )
    data = le.load_data(le.load_project(folder))
    bad = data.quarantine.sort_values("line")
    assert list(bad["reason"]) == ["UNKNOWN_LABEL", "UNKNOWN_LABEL"]
    assert list(bad["value"]) == ["pos\u200b", "\u0440os"]
