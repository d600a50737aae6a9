"""Gold audit: planted wrong gold is found with high precision and recall."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import labeleval as le
import labeleval.inference.gold_null as gold_null_module
from labeleval.analyses.gold_audit import AuditRule, gold_audit, suspect_items, without_items
from labeleval.errors import LabelevalError
from labeleval.io.pipeline import load_data
from labeleval.options import AuditControl
from labeleval.samples.pilot import N_WRONG_GOLD, generate_ticket_pilot
from tests.helpers.paths import ROOT


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_ticket_pilot(tmp_path_factory.mktemp("pilot")).parent


def _precision_recall(found: set[str], planted: set[str]) -> tuple[float, float]:
    hits = len(found & planted)
    return hits / max(len(found), 1), hits / len(planted)


def test_pilot_planted_wrong_gold_is_found(pilot: Path) -> None:
    data = load_data(le.load_project(pilot))
    audit = gold_audit(data)
    wrong = set(pd.read_csv(pilot / "_truth" / "wrong_gold.csv")["ticket"])
    assert len(wrong) == N_WRONG_GOLD and len(data.gold) == 360
    precision, recall = _precision_recall(set(suspect_items(audit)), wrong)
    # measured: 11 flagged, all planted (precision 1.0), 11 of the 12 found (recall 0.92); none of the 25
    # planted ambiguous items, whose judgments lean to another label, is flagged
    assert precision >= 0.9
    assert recall >= 0.9
    suspects = audit[audit["suspect"]]
    assert list(suspects["rank"]) == list(range(1, len(suspects) + 1))
    assert suspects["p_value"].is_monotonic_increasing
    assert (suspects["p_adjusted_gold"] <= 0.05).all() and (suspects["p_adjusted_gold"] >= suspects["p_value"]).all()
    assert (suspects["suggested_label"] != suspects["gold_label"]).all()
    assert {"votes_Atlas", "votes_Bravo", "votes_Cirrus"} <= set(audit.columns)
    first = suspects.iloc[0]
    assert first["votes_Atlas"] and first["votes_Atlas"].split(",")[0].startswith(first["suggested_label"])


def test_the_widened_tail_keeps_the_pilots_ambiguous_items_unaccused(
    pilot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the null's tail is widened in every project: the pilot's ambiguous items lean to one other label on
    only part of their judgments, so its misses do not look clustered; with the null at its maximum-likelihood
    sd the audit finds the twelfth wrong gold label too, but also calls a correct ambiguous item suspect."""
    data = load_data(le.load_project(pilot))
    wrong = set(pd.read_csv(pilot / "_truth" / "wrong_gold.csv")["ticket"])
    ambiguous = set(pd.read_csv(pilot / "_truth" / "ambiguous.csv")["ticket"])
    assert not set(suspect_items(gold_audit(data))) - wrong
    monkeypatch.setattr(gold_null_module, "AUDIT_NULL_WIDEN_LOGLIK", 0.0)
    narrow = set(suspect_items(gold_audit(data)))
    assert narrow >= wrong
    assert narrow - wrong and narrow - wrong <= ambiguous


@pytest.mark.slow
def test_content_safety_with_planted_wrong_gold() -> None:
    """An independent data set: plant 10 wrong gold labels among 300, ten times."""
    data = load_data(le.load_project(ROOT / "sample_data" / "content_safety"))
    assert suspect_items(gold_audit(data)) == []  # clean gold: no false alarm
    found = hits = planted_total = 0
    cats = list(data.gold.cat.categories)
    for rep in range(10):
        rng = np.random.default_rng(rep)
        idx = rng.choice(len(data.gold), 10, replace=False)
        codes = data.gold.cat.codes.to_numpy().copy()
        codes[idx] = (codes[idx] + rng.integers(1, len(cats), 10)) % len(cats)
        gold = pd.Series(pd.Categorical.from_codes(codes, categories=cats), index=data.gold.index, name="gold_label")
        suspects = set(suspect_items(gold_audit(replace(data, gold=gold))))
        planted = set(data.gold.index[idx])
        found += len(suspects)
        hits += len(suspects & planted)
        planted_total += len(planted)
    # measured: precision 1.00, recall 0.98 (98 of 100 planted)
    assert hits / found >= 0.95
    assert hits / planted_total >= 0.9


def test_gold_is_not_clamped_and_rule_is_checked(pilot: Path) -> None:
    data = load_data(le.load_project(pilot))
    strict = gold_audit(data, AuditRule(min_vendors=3))
    loose = gold_audit(data, AuditRule(min_vendors=1, level=0.2, control=AuditControl.FDR))
    assert strict["suspect"].sum() <= loose["suspect"].sum()
    with pytest.raises(LabelevalError, match="level"):
        AuditRule(level=1.5)
    with pytest.raises(LabelevalError, match="control"):
        AuditRule(control="bonferroni")  # type: ignore[arg-type]


def test_without_items_drops_only_gold(pilot: Path) -> None:
    data = load_data(le.load_project(pilot))
    ids = suspect_items(gold_audit(data))
    smaller = without_items(data, ids)
    assert len(smaller.gold) == len(data.gold) - len(ids)
    assert len(smaller.annotations) == len(data.annotations)
    assert without_items(data, []) is data


def _plant(data, rng, n, flip):
    """``data`` with ``n`` gold labels changed by ``flip(codes, categories)``; returns (data, planted ids)."""
    cats = list(data.gold.cat.categories)
    codes = data.gold.cat.codes.to_numpy().copy()
    idx = flip(rng, codes, cats, n)
    gold = pd.Series(
        pd.Categorical.from_codes(codes, categories=cats, ordered=data.gold.cat.ordered),
        index=data.gold.index,
        name="gold_label",
    )
    return replace(data, gold=gold), set(data.gold.index[idx])


def _measure(
    project: str, flip, n: int = 10, reps: int = 10, rule: AuditRule | None = None
) -> tuple[float, float, int]:
    data = load_data(le.load_project(ROOT / "sample_data" / project))
    assert suspect_items(gold_audit(data, rule)) == []  # the bundled gold is the generator's truth: no false alarm
    found = hits = 0
    for rep in range(reps):
        planted_data, planted = _plant(data, np.random.default_rng(rep), n, flip)
        suspects = set(suspect_items(gold_audit(planted_data, rule)))
        found += len(suspects)
        hits += len(suspects & planted)
    return hits / max(found, 1), hits / (n * reps), found


def test_pairwise_reversed_preferences() -> None:
    """Gold A <-> B reversed on 10 of 250 gold pairs, ten times. A 'tie' suggestion never makes a pair suspect
    (annotators call close pairs ties; the clean sample had 6 such false alarms before that rule)."""

    def reverse(rng, codes, cats, n):
        a, b = cats.index("A"), cats.index("B")
        idx = rng.choice(np.flatnonzero((codes == a) | (codes == b)), n, replace=False)
        codes[idx] = np.where(codes[idx] == a, b, a)
        return idx

    precision, _, found = _measure("preference_pairs", reverse, rule=AuditRule(control=AuditControl.FDR))
    # measured with Benjamini-Hochberg: precision 1.00, recall 0.05 (5 of 100): with 9 judgments a pair and
    # close pairs common, a reversed preference is rarely beyond what a correct one shows; listed, not suspect
    assert precision >= 0.95
    assert found >= 1


def test_ordinal_ratings_off_by_three_steps() -> None:
    """Gold ratings moved 3 points on a 1-7 scale (tolerance 1), 10 of 200, ten times; a rating within the
    tolerance of the evidence is never suspect (the clean sample's off-by-one gold is not flagged)."""

    def shift(rng, codes, cats, n):
        idx = rng.choice(len(codes), n, replace=False)
        codes[idx] = np.where(codes[idx] >= 3, codes[idx] - 3, codes[idx] + 3)
        return idx

    precision, recall, _ = _measure("helpfulness_likert", shift, rule=AuditRule(control=AuditControl.FDR))
    # measured with Benjamini-Hochberg: precision 1.00, recall 0.99 (Holm, the default: precision 1.00, recall
    # 0.98, among 200 items with 11 ratings each)
    assert precision >= 0.95
    assert recall >= 0.8


def _write_project(
    folder: Path, seed: int, wrong: int, hard: float, labels: tuple[str, ...] = ("a", "b", "c", "d"), **kw: Any
) -> set[str]:
    """A 3-vendor project, 300 gold items, 9 judgments each (the calibration design of
    benchmarks/calibration_audit.py; ``per_item`` judgments per vendor, 3 unless given); ``names`` renames
    the vendors, ``shuffle`` permutes the rows."""
    names = kw.get("names", ("A", "B", "C"))
    per_item = kw.get("per_item", 3)
    rng = np.random.default_rng(seed)
    n, k = 300, len(labels)
    items = np.array([f"i{i:04d}" for i in range(n)])
    truth = rng.integers(0, k, n)
    is_hard = rng.random(n) < hard
    difficulty = rng.standard_normal(n) - 2.0 * is_hard
    other = (truth + rng.integers(1, k, n)) % k
    blocks = []
    for name in names:
        skills = 2.1 + 0.5 * rng.standard_normal(10)
        who = np.argsort(rng.random((n, 10)), axis=1)[:, :per_item]
        right = rng.random(who.shape) < 1 / (1 + np.exp(-(skills[who] + difficulty[:, None])))
        miss = np.where(is_hard[:, None], other[:, None], (truth[:, None] + rng.integers(1, k, who.shape)) % k)
        frame = pd.DataFrame(
            {
                "item_id": np.repeat(items, per_item),
                "annotator_id": who.ravel(),
                "label": np.array(labels)[np.where(right, truth[:, None], miss).ravel()],
            }
        )
        if kw.get("shuffle"):
            frame = frame.sample(frac=1.0, random_state=seed)
        frame.to_csv(folder / f"{name}.csv", index=False)
        blocks.append(
            f'[[vendors]]\nname = "{name}"\npath = "{name}.csv"\npricing = {{ model = "per_label", rate = 1 }}\n'
        )
    gold = truth.copy()
    planted = rng.choice(n, wrong, replace=False)
    gold[planted] = (truth[planted] + rng.integers(1, k, wrong)) % k
    gold_frame = pd.DataFrame({"item_id": items, "label": np.array(labels)[gold]})
    if kw.get("shuffle"):
        gold_frame = gold_frame.sample(frac=1.0, random_state=seed + 1)
    gold_frame.to_csv(folder / "gold.csv", index=False)
    label_list = ", ".join(f'"{x}"' for x in labels)
    (folder / "labeleval.toml").write_text(
        f'[task]\nname = "t"\nkind = "nominal"\nlabels = [{label_list}]\n\n[gold]\npath = "gold.csv"\n\n'
        + "\n".join(blocks)
    )
    return {str(i) for i in items[planted]}


def _flags(folder: Path, rule: AuditRule | None = None) -> tuple[set[str], pd.DataFrame]:
    audit = gold_audit(load_data(le.load_project(folder)), rule)
    return set(suspect_items(audit)), audit


def test_flags_do_not_depend_on_names_or_row_order(tmp_path: Path) -> None:
    """Renaming the labels and the vendors, and shuffling every file's rows, changes neither the suspects nor
    the p-values."""
    base, other = tmp_path / "base", tmp_path / "renamed"
    base.mkdir()
    other.mkdir()
    wrong = _write_project(base, 7, wrong=8, hard=0.03)
    assert wrong == _write_project(
        other, 7, wrong=8, hard=0.03, labels=("zebra", "yak", "xerus", "wolf"), names=("Q", "P", "O"), shuffle=True
    )
    for rule in (AuditRule(), AuditRule(control=AuditControl.FDR)):
        first, audit = _flags(base, rule)
        second, renamed = _flags(other, rule)
        assert first == second and first  # the same items, and some are found
        p = audit.set_index("item_id")["p_value"].sort_index()
        assert np.allclose(p, renamed.set_index("item_id")["p_value"].reindex(p.index), rtol=1e-6)


@pytest.mark.slow
def test_false_flags_are_controlled_on_simulated_projects(tmp_path: Path) -> None:
    """All gold correct with 10% hard items whose misses cluster on one label (the old audit flagged a
    correct item in about every project), and 3 wrong gold among 300: false flags stay rare."""
    any_false = found = planted = 0
    for seed in range(30):
        folder = tmp_path / str(seed)
        folder.mkdir()
        hard = 0.1 if seed % 3 else 0.0
        wrong = _write_project(folder, seed, wrong=3 if seed % 2 else 0, hard=hard)
        flagged, _ = _flags(folder)
        any_false += bool(flagged - wrong)
        found += len(flagged & wrong) if hard == 0 else 0
        planted += len(wrong) if hard == 0 else 0
    # measured: no project of 30 with a false flag; without hard items 8 of 15 planted found (with them, items
    # whose crowd splits over gold and one other label hide most wrong gold at 9 judgments an item)
    assert any_false <= 3
    assert found >= planted / 2


@pytest.mark.slow
def test_hard_items_with_many_judgments_are_not_accused(tmp_path: Path) -> None:
    """15 judgments an item, 10% hard items whose misses all go to one other label, 3 wrong gold: in these
    seeds a beta-binomial null called a correct hard item suspect (one with almost no gold votes); the
    logit-normal null, at the heaviest tail the data allow, calls no correct item suspect, while still listing
    such an item as contradicted."""
    for seed in (4, 8, 10):
        folder = tmp_path / str(seed)
        folder.mkdir()
        wrong = _write_project(folder, seed, wrong=3, hard=0.1, per_item=5)
        flagged, audit = _flags(folder)
        assert not flagged - wrong
        correct = audit[~audit["item_id"].isin(wrong)]
        assert (correct["vote_share_gold"] <= 0.1).any()
        assert (correct["p_adjusted_gold"] > 0.05).all()


@pytest.mark.slow
def test_calibration_oracle_null_is_the_true_law_of_the_lead() -> None:
    """The calibration's oracle (benchmarks/calibration_audit.py: p-values from the true law of a correct gold
    item's votes) against brute force: 20,000 correct gold items of one annotator team, simulated as the design
    does (10% hard items, their misses all on one label), and the share whose lead reaches each value."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from calibration_audit import Design, Truth, oracle_p_values

    rng = np.random.default_rng(11)
    design = Design("oracle check", 0, 0.1)
    team = 2.1 + 0.5 * rng.standard_normal(9)
    n = 20_000
    hard = rng.random(n) < design.hard
    difficulty = rng.standard_normal(n) + np.where(hard, design.hard_shift, 0.0)
    right = rng.random((n, 9)) < 1 / (1 + np.exp(-(team[None, :] + difficulty[:, None])))
    miss = np.where(hard[:, None], 1, rng.integers(1, 4, (n, 9)))  # gold (and truth) is label 0
    votes = np.zeros((n, 4), dtype=np.int64)
    np.add.at(votes, (np.repeat(np.arange(n), 9), np.where(right, 0, miss).ravel()), 1)
    lead = votes[:, 1:].max(axis=1) - votes[:, 0]
    # one item per possible lead: g gold votes, g + lead on one other label, the rest on the other two
    rows = [
        (g, g + t, 9 - 2 * g - t)
        for t in range(-9, 10)
        for g in range(10)
        if g + t >= 0 and 0 <= 9 - 2 * g - t <= 2 * (g + t)
    ]
    first = {t: row for row in rows[::-1] for t in [row[1] - row[0]]}  # the fewest gold votes per lead
    leads = np.array(sorted(first))
    counts = np.array([[g, o, min(rest, o), rest - min(rest, o)] for g, o, rest in (first[t] for t in leads)])
    assert (counts[:, 1:].max(axis=1) - counts[:, 0] == leads).all() and (counts.sum(axis=1) == 9).all()
    zeros = np.zeros(len(leads), dtype=np.int64)
    truth = Truth(set(), np.array([str(t) for t in leads]), counts, zeros, np.tile(team, (len(leads), 1)))
    p = oracle_p_values(design, truth)
    empirical = np.array([np.mean(lead >= t) for t in leads])
    se = np.sqrt(np.maximum(p * (1 - p), 1 / n) / n)
    assert np.all(np.abs(p - empirical) <= 4 * se)
    assert p[0] == pytest.approx(1.0) and np.all(np.diff(p) <= 1e-12)
