"""Can a cheaper labeller replace a vendor? The alternative annotator test on a project's data.

:func:`replacement` runs the test of :mod:`labeleval.inference.alternative` with the *candidate* vendor (a
model read through the ``llm`` format, or a cheaper vendor: its consensus per item by the task kind's rule) in
the role of the alternative annotator and the *incumbent* vendor's annotators as the humans, on the items both
labelled, with the task kind's agreement (:func:`agreement_credit`: nominal and pairwise exact, ordinal and
numeric within the tolerance, multi-label sets by their Jaccard similarity). Beside it,
the TOST equivalence of the two vendors' judgment accuracy on their shared gold items.

``epsilon``, where none is given, comes from the two vendors' cost per usable label
(:func:`epsilon_from_costs`). With ``by``, the test runs in every slice of items and the held-out annotators of
every slice are adjusted as one Benjamini-Yekutieli family (the paper's advice for several domains).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labeleval.analyses.slices import slice_values
from labeleval.errors import LabelevalError
from labeleval.inference.alternative import annotator_tests, decide, tost
from labeleval.io.dataset import Dataset
from labeleval.metrics.cells import Hit
from labeleval.metrics.forms import counts_for
from labeleval.metrics.sets import jaccard_matrix
from labeleval.options import TiePolicy
from labeleval.scoring.kinds import Kind, MultilabelKind, kind_for
from labeleval.tuning import (
    ALT_EPSILON_MAX,
    ALT_EPSILON_UNKNOWN_COST,
    ALT_MIN_ANNOTATORS,
    ALT_MIN_ITEMS,
    ALT_MIN_WINNING_RATE,
    EQUIVALENCE_MARGIN,
    HIT_MATRIX_MAX,
)

PASSES = "can replace"
FAILS = "cannot replace"
NOT_YET = "cannot tell yet"
ALL_ITEMS = "all items"


@dataclass(frozen=True)
class Replacement:
    """The answer to "can ``candidate`` stand in for ``incumbent``'s annotators?".

    Attributes
    ----------
    decision
        One row per slice (one, ``all items``, without ``by``): shared items used, annotators tested and won
        against, the winning rate (omega), the candidate's mean advantage probability (rho), the decision
        (``can replace``, ``cannot replace``, ``cannot tell yet``) and, where it cannot tell yet, the items and
        annotators still needed; epsilon; each vendor's cost per usable label; and the TOST of gold accuracy
        (gold items, both accuracies, their difference with its ``1 - 2 * level`` interval, the margin, the TOST
        p-value and whether they are equivalent).
    annotators
        One row per slice and held-out annotator of the incumbent: items, the candidate's and the annotator's
        advantage probabilities, their difference, the t-test's p-value, the Benjamini-Yekutieli adjusted one,
        whether the annotator was tested (enough items) and whether the candidate wins against them.
    settings
        candidate, incumbent, epsilon and where it came from, level, margin, by, minimum items and annotators.
    """

    decision: pd.DataFrame
    annotators: pd.DataFrame
    settings: Mapping[str, Any] = field(default_factory=dict)


def epsilon_from_costs(candidate_cost: float, incumbent_cost: float) -> tuple[float, str]:
    """The handicap where the user gives none: :data:`~labeleval.tuning.ALT_EPSILON_MAX` times the share of the
    incumbent's cost per usable label that the candidate saves (0 when it costs as much or more; the maximum
    for a free candidate), or :data:`~labeleval.tuning.ALT_EPSILON_UNKNOWN_COST` when a cost is unknown."""
    if not (math.isfinite(candidate_cost) and math.isfinite(incumbent_cost)) or incumbent_cost <= 0:
        return ALT_EPSILON_UNKNOWN_COST, "a cost per usable label is unknown"
    saved = min(1.0, max(0.0, 1.0 - candidate_cost / incumbent_cost))
    return ALT_EPSILON_MAX * saved, f"{ALT_EPSILON_MAX:g} x the share of the cost per usable label saved ({saved:.0%})"


def replacement(
    data: Dataset,
    *,
    candidate: str,
    incumbent: str,
    epsilon: float | None = None,
    by: str | None = None,
    costs: Mapping[str, float] | None = None,
    level: float = 0.05,
    margin: float = EQUIVALENCE_MARGIN,
    seed: int = 0,
) -> Replacement:
    """The alternative annotator test of ``candidate`` against ``incumbent``'s annotators, per slice of ``by``,
    with the TOST of gold accuracy beside it (see the module's docstring). ``costs`` are the vendors' costs
    per usable label (for ``epsilon``); ``level`` the tests' level; ``seed`` breaks the candidate's consensus
    ties."""
    _check(data, candidate, incumbent, epsilon, margin)
    costs = costs or {}
    cost_c, cost_i = (float(costs.get(v, math.nan)) for v in (candidate, incumbent))
    source = "given"
    if epsilon is None:
        epsilon, source = epsilon_from_costs(cost_c, cost_i)
    ann = data.annotations
    labels = ann["label"].cat.categories
    kind = kind_for(data.project.task, labels)
    credit = agreement_credit(kind)
    mine = ann[ann["vendor"] == incumbent]
    theirs = ann[ann["vendor"] == candidate]
    item_ids = pd.Index(pd.unique(pd.concat([mine["item_id"], theirs["item_id"]]).astype(str)))
    cand = _candidate_codes(theirs, item_ids, kind, seed)
    item = item_ids.get_indexer(mine["item_id"].astype(str))
    annotator, names = pd.factorize(mine["annotator_id"].astype(str))
    code = mine["label"].cat.codes.to_numpy(dtype=np.int64)
    slices = slice_values(data, by).reindex(item_ids).fillna("(missing)").to_numpy() if by else None
    order = sorted(set(slices)) if slices is not None else [ALL_ITEMS]
    parts = []
    for value in order:
        in_slice = np.ones(len(item), dtype=bool) if slices is None else slices[item] == value
        parts.append(TestPart(str(value), item[in_slice], annotator[in_slice], code[in_slice], cand, credit))
    annotators, rows = alternative_annotator_test(parts, [str(n) for n in names], epsilon=epsilon, level=level)
    gold = _gold_differences(data, kind, item_ids, mine, theirs)
    decision = pd.DataFrame(
        [
            {
                **row,
                "epsilon": epsilon,
                "candidate_cost_per_usable_label": cost_c,
                "incumbent_cost_per_usable_label": cost_i,
                **_equivalence(gold, slices, str(row["slice"]), margin=margin, level=level),
            }
            for row in rows
        ]
    )
    settings = {
        "candidate": candidate,
        "incumbent": incumbent,
        "epsilon": epsilon,
        "epsilon_source": source,
        "level": level,
        "margin": margin,
        "by": by,
        "min_items": ALT_MIN_ITEMS,
        "min_annotators": ALT_MIN_ANNOTATORS,
        "min_winning_rate": ALT_MIN_WINNING_RATE,
    }
    return Replacement(decision=decision, annotators=annotators, settings=settings)


@dataclass(frozen=True)
class TestPart:
    """One part of an alternative annotator test (a slice of items, or a rubric criterion): the humans'
    judgments as codes (``item`` an index into ``candidate``, ``annotator`` an index into the names), the
    candidate's code per item (-1: none) and the agreement credit ``credit[label, reference]``."""

    name: str
    item: np.ndarray
    annotator: np.ndarray
    code: np.ndarray
    candidate: np.ndarray
    credit: Hit


def alternative_annotator_test(
    parts: list[TestPart], names: list[str], *, epsilon: float, level: float
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The alternative annotator test in every part, the held-out annotators of all parts adjusted as one
    Benjamini-Yekutieli family: one row per part and annotator (``slice``, ``annotator_id``, the tests of
    :func:`~labeleval.inference.alternative.decide`), and per part its shared items and decision
    (:func:`decide_part`)."""
    tests, shared = [], []
    for part in parts:
        frame = annotator_tests(part.item, part.annotator, part.code, part.candidate, part.credit, epsilon=epsilon)
        frame.insert(0, "slice", part.name)
        frame["annotator"] = [names[a] for a in frame["annotator"]]
        tests.append(frame)
        shared.append(_shared_items(part.item[part.candidate[part.item] >= 0]))
    annotators = decide(pd.concat(tests, ignore_index=True), level=level, min_items=ALT_MIN_ITEMS)
    annotators = annotators.rename(columns={"annotator": "annotator_id"})
    rows = [
        {"slice": part.name, "items": n, **decide_part(annotators[annotators["slice"] == part.name])}
        for part, n in zip(parts, shared, strict=True)
    ]
    return annotators, rows


def agreement_credit(kind: Kind) -> Hit:
    """How much a label agrees with another's, by the kind's rule: its match rule (1 or 0: nominal and pairwise
    exact, ordinal and numeric within the tolerance), and for multi-label sets their Jaccard similarity (graded:
    sharing two of three labels counts 2/3), up to :data:`~labeleval.tuning.HIT_MATRIX_MAX` distinct sets."""
    if isinstance(kind, MultilabelKind) and len(kind.categories) <= HIT_MATRIX_MAX:
        return jaccard_matrix(kind.bits, kind.bits)
    return kind.hit


def _check(data: Dataset, candidate: str, incumbent: str, epsilon: float | None, margin: float) -> None:
    vendors = [v.name for v in data.project.vendors]
    for role, name in (("candidate", candidate), ("incumbent", incumbent)):
        if name not in vendors:
            raise LabelevalError(f"no vendor named {name!r} to be the {role}; the project's vendors: {vendors}")
    if candidate == incumbent:
        raise LabelevalError(f"the candidate and the incumbent are the same vendor ({candidate!r})")
    if epsilon is not None and not (0.0 <= epsilon < 1.0):
        raise LabelevalError(f"epsilon must be at least 0 and below 1; got {epsilon!r}")
    if not (0.0 < margin < 1.0):
        raise LabelevalError(f"the equivalence margin must be above 0 and below 1; got {margin!r}")


def _candidate_codes(rows: pd.DataFrame, item_ids: pd.Index, kind: Kind, seed: int) -> np.ndarray:
    """The candidate's label code per item (-1 where it gave none): its one label, or its consensus by the
    kind's rule where it gave several (majority-vote ties broken at random with ``seed``)."""
    item = item_ids.get_indexer(rows["item_id"].astype(str))
    code = rows["label"].cat.codes.to_numpy(dtype=np.int64)
    out = np.full(len(item_ids), -1, dtype=np.int64)
    if not len(item):
        return out
    if np.bincount(item, minlength=len(item_ids)).max() <= 1:
        out[item] = code
        return out
    counts = counts_for(item, code, len(item_ids), len(kind.categories))
    consensus = kind.consensus(counts, tie=TiePolicy.RANDOM, rng=np.random.default_rng(seed))
    return np.asarray(consensus.code, dtype=np.int64)


def _shared_items(item: np.ndarray) -> int:
    """Items (of the candidate's) with at least two of the incumbent's judgments."""
    return int((np.bincount(item) >= 2).sum()) if len(item) else 0


def decide_part(tests: pd.DataFrame) -> dict[str, Any]:
    """A part's decision from its held-out annotators' tests: annotators (tested, won against), the winning rate
    omega, the candidate's mean advantage probability, ``can replace`` / ``cannot replace`` / ``cannot tell
    yet`` and, for the last, the items and annotators still needed."""
    tested = tests[tests["tested"]]
    won = int(tested["candidate_wins"].sum())
    omega = won / len(tested) if len(tested) else math.nan
    counts = sorted(tests["n_items"].astype(int), reverse=True)
    third = counts[ALT_MIN_ANNOTATORS - 1] if len(counts) >= ALT_MIN_ANNOTATORS else 0
    if len(tested) < ALT_MIN_ANNOTATORS:
        decision = NOT_YET
    else:
        decision = PASSES if omega >= ALT_MIN_WINNING_RATE else FAILS
    return {
        "annotators": len(tests),
        "annotators_tested": len(tested),
        "annotators_won": won,
        "winning_rate": omega,
        "candidate_advantage": float(tested["candidate_advantage"].mean()) if len(tested) else math.nan,
        "decision": decision,
        "items_needed": max(0, ALT_MIN_ITEMS - third) if decision == NOT_YET else 0,
        "annotators_needed": max(0, ALT_MIN_ANNOTATORS - len(tests)) if decision == NOT_YET else 0,
    }


def _gold_differences(
    data: Dataset, kind: Kind, item_ids: pd.Index, mine: pd.DataFrame, theirs: pd.DataFrame
) -> pd.DataFrame:
    """Per shared gold item (indexed by its position in ``item_ids``): each vendor's share of judgments that
    match gold (the kind's rule) and the difference, candidate minus incumbent."""
    gold = data.gold
    gold_code = np.full(len(item_ids), -1, dtype=np.int64)
    where = item_ids.get_indexer(gold.index.astype(str))
    known = where >= 0
    gold_code[where[known]] = gold.cat.codes.to_numpy(dtype=np.int64)[known]
    shares = []
    for rows in (theirs, mine):
        item = item_ids.get_indexer(rows["item_id"].astype(str))
        code = rows["label"].cat.codes.to_numpy(dtype=np.int64)
        on_gold = gold_code[item] >= 0
        right = np.asarray(kind.hit[code[on_gold], gold_code[item[on_gold]]], dtype=np.float64)
        n = np.bincount(item[on_gold], minlength=len(item_ids)).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares.append(np.bincount(item[on_gold], weights=right, minlength=len(item_ids)) / n)
    both = np.isfinite(shares[0]) & np.isfinite(shares[1])
    index = np.flatnonzero(both)
    return pd.DataFrame(
        {"candidate": shares[0][both], "incumbent": shares[1][both], "difference": (shares[0] - shares[1])[both]},
        index=index,
    )


def _equivalence(
    gold: pd.DataFrame, slices: np.ndarray | None, value: str, *, margin: float, level: float
) -> dict[str, Any]:
    part = gold if slices is None else gold[slices[gold.index.to_numpy()] == value]
    result = tost(part["difference"].to_numpy(), margin=margin, level=level)
    return {
        "gold_items": result.n,
        "candidate_accuracy": float(part["candidate"].mean()) if len(part) else math.nan,
        "incumbent_accuracy": float(part["incumbent"].mean()) if len(part) else math.nan,
        "accuracy_difference": result.difference,
        "difference_ci_low": result.ci_low,
        "difference_ci_high": result.ci_high,
        "equivalence_margin": margin,
        "equivalence_p_value": result.p_value,
        "equivalent": result.equivalent,
    }
