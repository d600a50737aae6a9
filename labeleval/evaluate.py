"""``evaluate()``: the one orchestrator the CLI, the app and scripts call (DESIGN §5).

It reads the project, builds one items x labels count matrix per vendor on a shared, sorted item index,
stacks every per-item sufficient statistic into one matrix, and gets point estimates (column sums) and
bootstrap resamples (one shared weight matrix times that matrix, see :mod:`labeleval.stats`) from it.
No Python loop runs over rows or items; loops run over vendors, pairs of vendors and labels.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from labeleval import __version__
from labeleval.annotators import FlagRules, report_cards
from labeleval.consensus import TIE_POLICIES, dawid_skene_codes
from labeleval.cost import CostBreakdown, cost_breakdown
from labeleval.dataset import Dataset, load_data
from labeleval.errors import LabelevalError, UndefinedMetricWarning
from labeleval.kinds import KindRules
from labeleval.metrics.accuracy import confusion_from_codes, per_class_from_confusion
from labeleval.metrics.agreement import (
    ac1_from_totals,
    agreement_item_stats,
    alpha_from_counts,
    alpha_from_stats,
    alpha_stats,
    fleiss_from_totals,
    light_from_confusions,
    pair_confusions,
    percent_from_totals,
)
from labeleval.metrics.counts import counts_from_codes
from labeleval.project import USABILITY_RULES, Project, load_project
from labeleval.redundancy import draws_for, redundancy_curve
from labeleval.report import Report
from labeleval.stats import (
    bootstrap_p_value,
    bootstrap_totals,
    holm,
    mcnemar_exact,
    percentile_ci,
)
from labeleval.task_metrics import VendorData, task_metrics

CI_METHOD = "percentile, item-clustered Poisson bootstrap"
CONSENSUS_METHODS = ("majority_vote", "dawid_skene")


@dataclass(frozen=True)
class Settings:
    """Options of one evaluation (recorded in the Report)."""

    n_boot: int = 1000
    seed: int = 0
    confidence: float = 0.95
    usability: str = "gold"
    min_confidence: float = 0.9
    tie: str = "abstain"
    consensus: str = "majority_vote"
    target_accuracy: float = 0.95
    rules: FlagRules = field(default_factory=FlagRules)


def _check_options(n_boot: int, seed: int, confidence: float) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise LabelevalError(f"n_boot must be a whole number >= 0; got {n_boot!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise LabelevalError(f"seed must be a whole number >= 0; got {seed!r}")
    if not isinstance(confidence, float | int) or not 0 < confidence < 1:
        raise LabelevalError(f"confidence must be between 0 and 1 (e.g. 0.95); got {confidence!r}")


def as_project(project_or_path: Project | str | Path) -> Project:
    if isinstance(project_or_path, Project):
        return project_or_path
    if isinstance(project_or_path, str | Path):
        return load_project(project_or_path)
    raise LabelevalError(
        f"expected a Project, a project folder or a labeleval.toml path; got {type(project_or_path).__name__}"
    )


def evaluate(
    project_or_path: Project | str | Path,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    usability: str | None = None,
    min_confidence: float | None = None,
    tie: str | None = None,
    consensus: str | None = None,
    target_accuracy: float | None = None,
) -> Report:
    """Score every vendor of a project: agreement, accuracy on gold, cost per usable label, with CIs.

    Parameters
    ----------
    project_or_path
        A :class:`Project`, a project folder holding ``labeleval.toml``, or the manifest file.
    n_boot
        Bootstrap resamples for the confidence intervals (0 skips them).
    seed
        Seed of the resampling (and of random tie-breaking); the same seed gives the same Report.
    confidence
        Confidence level of the intervals.
    usability, min_confidence, tie
        Override the manifest's usability rule (``gold``, ``consensus``, ``gold_or_consensus``), its
        consensus confidence threshold, and the majority-vote tie policy (``abstain``, ``lowest``,
        ``random``).
    consensus
        ``majority_vote`` or ``dawid_skene``: the consensus behind ``consensus_accuracy``, the cost per
        correct item and the cross-vendor reference of the consensus usability rules. Both methods'
        consensus accuracies are always in the summary.
    target_accuracy
        The consensus accuracy the redundancy analysis looks for (cheapest vendor and labels per item).

    Examples
    --------
    >>> import labeleval as le
    >>> report = le.evaluate("sample_data/content_safety", n_boot=200)  # doctest: +SKIP
    >>> report.summary[["vendor", "accuracy", "cost_per_usable_label"]]  # doctest: +SKIP
    """
    _check_options(n_boot, seed, confidence)
    project = as_project(project_or_path)
    rule = usability if usability is not None else project.usability.rule
    if rule not in USABILITY_RULES:
        raise LabelevalError(f"usability must be one of {', '.join(USABILITY_RULES)}; got {rule!r}")
    threshold = min_confidence if min_confidence is not None else project.usability.min_confidence
    if not 0 < threshold <= 1:
        raise LabelevalError(f"min_confidence must be in (0, 1]; got {threshold!r}")
    tie_policy = tie if tie is not None else project.tie
    if tie_policy not in TIE_POLICIES:
        raise LabelevalError(f"tie must be one of {', '.join(TIE_POLICIES)}; got {tie_policy!r}")
    if rule in ("gold", "gold_or_consensus") and project.gold is None:
        raise LabelevalError(f"usability rule {rule!r} needs a gold file in the manifest")
    method = consensus if consensus is not None else project.consensus
    if method not in CONSENSUS_METHODS:
        raise LabelevalError(f"consensus must be one of {', '.join(CONSENSUS_METHODS)}; got {method!r}")
    if method == "dawid_skene" and (project.task.numeric or project.task.kind == "multilabel"):
        raise LabelevalError(
            f"consensus='dawid_skene' needs categories; a {project.task.kind} task's consensus is the mean"
        )
    target = target_accuracy if target_accuracy is not None else project.quality.target_accuracy
    if not 0 < target <= 1:
        raise LabelevalError(f"target_accuracy must be in (0, 1]; got {target!r}")
    data = load_data(project)
    data.raise_problems()
    settings = Settings(
        int(n_boot),
        int(seed),
        float(confidence),
        rule,
        float(threshold),
        tie_policy,
        method,
        float(target),
        project.quality.rules,
    )
    return _Evaluation(data, settings).report()


class _Columns:
    """Allocates columns of the stacked (items x statistics) matrix."""

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.width = 0

    def add(self, block: np.ndarray) -> slice:
        block = block.reshape(len(block), -1).astype(np.float64, copy=False)
        s = slice(self.width, self.width + block.shape[1])
        self.blocks.append(block)
        self.width += block.shape[1]
        return s

    def matrix(self) -> np.ndarray:
        return np.hstack(self.blocks) if self.blocks else np.zeros((0, 0))


@dataclass
class _Vendor:
    name: str
    counts: np.ndarray
    rows: np.ndarray
    consensus: np.ndarray  # the chosen method's consensus code per item (-1: none)
    consensus_value: np.ndarray  # its value on the scale (the mean for numeric kinds)
    consensus_correct: np.ndarray  # does it match gold (within tolerance)?
    confidence: np.ndarray
    ds_accuracy: np.ndarray  # per annotator key of this vendor (NaN elsewhere)
    cost: CostBreakdown
    n_judgments: int
    n_items: int
    cols: dict[str, slice]
    usable_scored: int = 0


class _Evaluation:
    def __init__(self, data: Dataset, settings: Settings) -> None:
        self.data = data
        self.s = settings
        self.project = data.project
        ann = data.annotations
        self.labels = [str(c) for c in ann["label"].cat.categories]
        self.k = len(self.labels)
        task = self.project.task
        self.rules = KindRules(task.kind, tuple(self.labels), task.tolerance, task.labels, task.min_jaccard)
        self.level = self.rules.level
        self.values = self.rules.values
        self.hit = self.rules.hit
        self.item_codes, items = pd.factorize(ann["item_id"], sort=True)
        self.items = np.asarray(items, dtype=object)
        self.n_items = len(self.items)
        gold = data.gold
        gold_codes = pd.Series(gold.cat.codes.to_numpy(dtype=np.int64), index=gold.index)
        self.gold_code = gold_codes.reindex(pd.Index(self.items)).fillna(-1).to_numpy(dtype=np.int64)
        self.has_gold = self.gold_code >= 0
        self.vendor_codes = ann["vendor"].cat.codes.to_numpy()
        self.label_codes = ann["label"].cat.codes.to_numpy().astype(np.int64)
        self.rng = np.random.default_rng(settings.seed)
        self._samples: dict[tuple[str, str], np.ndarray] = {}  # bootstrap resamples per (vendor, statistic)

    # ------------------------------------------------------------------------------------ build
    def report(self) -> Report:
        columns = _Columns()
        vendors = [self._vendor(i, columns) for i in range(len(self.project.vendors))]
        reference = self._reference(vendors)
        for vendor in vendors:
            usable, covered = self._usable(vendor, reference)
            vendor.cols["usable"] = columns.add(np.column_stack([usable, covered]))
            vendor.usable_scored = int(covered.sum())
        matrix = columns.matrix()
        point = matrix.sum(axis=0)
        boot = bootstrap_totals(matrix, n_boot=self.s.n_boot, seed=self.s.seed)
        estimates = {v.name: self._estimates(v, point[None, :], boot) for v in vendors}
        summary = self._summary(vendors, estimates)
        task_frame, extras = task_metrics(
            self.rules, [self._vendor_data(v) for v in vendors], self.gold_code, self.s.confidence
        )
        items = self._items(vendors)
        settings = {
            "n_boot": self.s.n_boot,
            "seed": self.s.seed,
            "confidence": self.s.confidence,
            "ci_method": CI_METHOD,
            "usability": self.s.usability,
            "min_confidence": self.s.min_confidence,
            "tie": self.s.tie,
            "consensus_method": self.s.consensus,
            "target_accuracy": self.s.target_accuracy,
            "flag_rules": dict(self.s.rules.__dict__),
            "task": self.project.task.name,
            "kind": self.project.task.kind,
            "labels": self.labels,
            "tolerance": self.project.task.tolerance,
            "consensus_rule": self.rules.consensus_name,
            "currency": self.project.currency,
            "project": str(self.project.manifest),
            "version": __version__,
        }
        return Report(
            summary=summary,
            agreement=self._agreement(vendors, estimates),
            accuracy=self._accuracy(vendors, estimates),
            per_class=self._per_class(vendors),
            confusion=self._confusion(vendors),
            annotators=self._annotators(vendors, extras),
            task_metrics=task_frame,
            redundancy=self._redundancy(vendors),
            cost=self._cost(vendors, estimates),
            comparisons=self._comparisons(vendors, estimates),
            items=items,
            ledger=self.data.ledger,
            quarantine=self.data.quarantine,
            notes=self.data.notes,
            settings=settings,
        )

    def _vendor(self, index: int, columns: _Columns) -> _Vendor:
        spec = self.project.vendors[index]
        rows = np.flatnonzero(self.vendor_codes == index)
        counts = counts_from_codes(self.item_codes[rows], self.label_codes[rows], self.n_items, self.k)
        m = counts.sum(axis=1)
        code, value, confidence = self.rules.consensus(counts, tie=self.s.tie, rng=self.rng)
        if self.rules.numeric or self.rules.kind == "multilabel":  # DS needs one category per judgment
            ds_code, ds_confidence = np.full(self.n_items, -1, dtype=np.int64), np.full(self.n_items, np.nan)
            ds_accuracy = np.full(self._n_keys(), np.nan)
        else:
            ds_code, ds_confidence, ds_accuracy = self._vendor_dawid_skene(rows)
        cols: dict[str, slice] = {}
        cols["alpha"] = columns.add(alpha_stats(counts, self.level, self.values))
        cols["agree"] = columns.add(agreement_item_stats(counts))
        scored = np.where(self.has_gold, m, 0)
        within = counts @ self.hit  # [item, g]: judgments on the item that count as matching label g
        correct = np.where(self.has_gold, within[np.arange(self.n_items), np.maximum(self.gold_code, 0)], 0)
        cols["accuracy"] = columns.add(np.column_stack([correct, scored]))
        cons_scored = (self.has_gold & (m > 0)).astype(np.float64)
        mv_correct = self.rules.correct(code, value, self.gold_code)
        ds_correct = self.rules.correct(ds_code, self.values[np.maximum(ds_code, 0)], self.gold_code)
        cons_correct = cons_scored * mv_correct
        resolved = ((code >= 0) & (m > 0)).astype(np.float64)
        cols["consensus_mv"] = columns.add(np.column_stack([cons_correct, cons_scored, resolved, (m > 0)]))
        ds_scored = (
            cons_scored if not (self.rules.numeric or self.rules.kind == "multilabel") else np.zeros(self.n_items)
        )
        cols["consensus_ds"] = columns.add(np.column_stack([ds_scored * ds_correct, ds_scored]))
        chosen = self.s.consensus == "dawid_skene"
        return _Vendor(
            name=spec.name,
            counts=counts,
            rows=rows,
            consensus=ds_code if chosen else code,
            consensus_value=self.values[np.maximum(ds_code, 0)] if chosen else value,
            consensus_correct=ds_correct if chosen else mv_correct,
            confidence=ds_confidence if chosen else confidence,
            ds_accuracy=ds_accuracy,
            cost=cost_breakdown(spec.pricing, self.data.billing[spec.name]),
            n_judgments=len(rows),
            n_items=int((m > 0).sum()),
            cols=cols,
        )

    def _vendor_dawid_skene(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dawid-Skene among one vendor's annotators (no gold: accuracy is then measured on gold).

        Returns the consensus code and posterior per item (-1 / NaN where the vendor gave no judgment) and
        each annotator key's model accuracy ``sum_k prior_k confusion[k, k]``.
        """
        keys = self.annotator_keys
        items_local, items = pd.factorize(self.item_codes[rows])
        annot_local, annotators = pd.factorize(keys[rows])
        fit = dawid_skene_codes(items_local, annot_local, self.label_codes[rows], len(items), len(annotators), self.k)
        code = np.full(self.n_items, -1, dtype=np.int64)
        posterior = np.full(self.n_items, np.nan)
        code[items] = fit.posteriors.argmax(axis=1)
        posterior[items] = fit.posteriors.max(axis=1)
        accuracy = np.full(self._n_keys(), np.nan)
        accuracy[annotators] = np.einsum("k,akk->a", fit.priors, fit.confusions)
        return code, posterior, accuracy

    def _reference(self, vendors: list[_Vendor]) -> np.ndarray:
        """Reference label per item for the usability rule (-1 where none).

        The cross-vendor consensus weights each vendor equally (the mean of the vendors' label shares on
        the item), so a vendor that sells more labels per item does not outvote the others. It counts
        only where it reaches ``min_confidence``, is not tied, and rests on at least two judgments.
        """
        shares = np.zeros((self.n_items, self.k))
        voters = np.zeros(self.n_items)
        total = np.zeros(self.n_items)
        for v in vendors:
            m = v.counts.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                shares += np.where(m[:, None] > 0, v.counts / np.maximum(m, 1)[:, None], 0.0)
            voters += m > 0
            total += m
        with np.errstate(invalid="ignore", divide="ignore"):
            pooled = shares / np.maximum(voters, 1)[:, None]
        top = pooled.max(axis=1)
        tied = (np.isclose(pooled, top[:, None])).sum(axis=1) > 1
        consensus = np.where((top >= self.s.min_confidence - 1e-12) & ~tied & (total >= 2), pooled.argmax(axis=1), -1)
        if self.s.usability != "gold" and self.s.consensus == "dawid_skene":
            consensus = self._pooled_dawid_skene(total)
        if self.s.usability == "gold":
            return self.gold_code.copy()
        if self.s.usability == "consensus":
            return consensus
        return np.where(self.has_gold, self.gold_code, consensus)

    def _pooled_dawid_skene(self, total: np.ndarray) -> np.ndarray:
        """Dawid-Skene over every vendor's judgments (annotators keyed by vendor); with the rule
        ``gold_or_consensus`` gold items are clamped, which sharpens the annotators' confusion matrices.
        The reference is the posterior mode where its probability reaches ``min_confidence``."""
        clamp = self.gold_code if self.s.usability == "gold_or_consensus" else None
        keys = self.annotator_keys
        fit = dawid_skene_codes(
            self.item_codes, keys, self.label_codes, self.n_items, self._n_keys(), self.k, gold_codes=clamp
        )
        top = fit.posteriors.max(axis=1)
        return np.where((top >= self.s.min_confidence - 1e-12) & (total >= 2), fit.posteriors.argmax(axis=1), -1)

    def _usable(self, v: _Vendor, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        has_ref = reference >= 0
        m = v.counts.sum(axis=1)
        within = v.counts @ self.hit
        usable = np.where(has_ref, within[np.arange(self.n_items), np.maximum(reference, 0)], 0)
        return usable, np.where(has_ref, m, 0)

    # ------------------------------------------------------------------------------- estimates
    def _estimates(self, v: _Vendor, point: np.ndarray, boot: np.ndarray) -> dict[str, tuple[float, float, float]]:
        """Point estimate and CI of every bootstrapped statistic of one vendor; also keeps the resamples."""
        stats: dict[str, Callable[[np.ndarray], np.ndarray]] = {
            "alpha": lambda t: alpha_from_stats(t[:, v.cols["alpha"]], self.level, self.values),
            "percent_agreement": lambda t: percent_from_totals(t[:, v.cols["agree"]], self.k),
            "fleiss_kappa": lambda t: fleiss_from_totals(t[:, v.cols["agree"]], self.k),
            "gwet_ac1": lambda t: ac1_from_totals(t[:, v.cols["agree"]], self.k),
            "accuracy": lambda t: _ratio(t[:, v.cols["accuracy"]]),
            "consensus_accuracy_mv": lambda t: _ratio(t[:, v.cols["consensus_mv"]][:, :2]),
            "consensus_accuracy_ds": lambda t: _ratio(t[:, v.cols["consensus_ds"]]),
            "consensus_accuracy": lambda t: _ratio(
                t[:, v.cols["consensus_ds" if self.s.consensus == "dawid_skene" else "consensus_mv"]][:, :2]
            ),
            "usable_rate": lambda t: _ratio(t[:, v.cols["usable"]]),
        }
        out: dict[str, tuple[float, float, float]] = {}
        for name, fn in stats.items():
            with np.errstate(invalid="ignore", divide="ignore"):
                value = float(fn(point)[0])
                samples = fn(boot) if len(boot) else np.zeros(0)
            derived = {"usable_rate": "cost_per_usable_label", "consensus_accuracy": "cost_per_correct_item"}
            self._samples[(v.name, name)] = samples
            low, high = (
                percentile_ci(samples[:, None], self.s.confidence)
                if len(samples)
                else (np.array([np.nan]), np.array([np.nan]))
            )
            out[name] = (value, float(low[0]), float(high[0]))
            if name in derived:
                denominator = v.n_judgments if name == "usable_rate" else v.n_items
                cost_fn = _cost_per(v.cost.total, denominator)
                cost_samples = cost_fn(samples)
                self._samples[(v.name, derived[name])] = cost_samples
                c_low, c_high = (
                    percentile_ci(cost_samples[:, None], self.s.confidence)
                    if len(samples)
                    else (np.array([np.nan]), np.array([np.nan]))
                )
                out[derived[name]] = (float(cost_fn(np.array([value]))[0]), float(c_low[0]), float(c_high[0]))
        # The headline alpha comes from the krippendorff package; the bootstrap statistic equals it.
        with warnings.catch_warnings():  # undefined alpha is NaN in the report; no warning per vendor
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            pkg = alpha_from_counts(v.counts, level=self.level, values=self.values) if v.n_items else np.nan
        out["alpha"] = (float(pkg), out["alpha"][1], out["alpha"][2])
        return out

    # ---------------------------------------------------------------------------------- frames
    def _summary(self, vendors: list[_Vendor], est: dict[str, dict[str, tuple[float, float, float]]]) -> pd.DataFrame:
        annotator_keys = self.annotator_keys
        rows = []
        for v in vendors:
            e = est[v.name]
            m = v.counts.sum(axis=1)
            gold_items = int(((m > 0) & self.has_gold).sum())
            unresolved = int(((v.consensus < 0) & (m > 0)).sum())
            row: dict[str, object] = {
                "vendor": v.name,
                "n_items": v.n_items,
                "n_judgments": v.n_judgments,
                "n_annotators": len(np.unique(annotator_keys[v.rows])) if v.n_judgments else 0,
                "labels_per_item": float(m[m > 0].mean()) if v.n_items else np.nan,
            }
            for name in ("alpha",):
                row[name], row[f"{name}_ci_low"], row[f"{name}_ci_high"] = e[name]
            row["percent_agreement"] = e["percent_agreement"][0]
            row["gwet_ac1"] = e["gwet_ac1"][0]
            row["gold_items"] = gold_items
            for name in ("accuracy", "consensus_accuracy"):
                row[name], row[f"{name}_ci_low"], row[f"{name}_ci_high"] = e[name]
            row["consensus_method"] = self.s.consensus
            row["consensus_accuracy_mv"] = e["consensus_accuracy_mv"][0]
            row["consensus_accuracy_ds"] = e["consensus_accuracy_ds"][0]
            row["consensus_unresolved"] = unresolved
            row["total_cost"] = v.cost.total
            row["currency"] = v.cost.currency
            row["cost_per_label"] = v.cost.total / v.n_judgments if v.n_judgments else np.nan
            for name in ("usable_rate", "cost_per_usable_label", "cost_per_correct_item"):
                row[name], row[f"{name}_ci_low"], row[f"{name}_ci_high"] = e[name]
            rows.append(row)
        return pd.DataFrame(rows)

    def _agreement(self, vendors: list[_Vendor], est: dict[str, dict[str, tuple[float, float, float]]]) -> pd.DataFrame:
        rows = []
        annotator_keys = self.annotator_keys
        for v in vendors:
            m = v.counts.sum(axis=1)
            pairable = int((m >= 2).sum())
            for metric in ("alpha", "percent_agreement", "fleiss_kappa", "gwet_ac1"):
                value, low, high = est[v.name][metric]
                rows.append(
                    {
                        "vendor": v.name,
                        "metric": "krippendorff_alpha" if metric == "alpha" else metric,
                        "level": self.level if metric == "alpha" else "",
                        "value": value,
                        "ci_low": low,
                        "ci_high": high,
                        "items": pairable,
                    }
                )
            _, _, conf = pair_confusions(
                self.item_codes[v.rows], annotator_keys[v.rows], self.label_codes[v.rows], self.k
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                light = light_from_confusions(conf, min_overlap=10)
            rows.append(
                {
                    "vendor": v.name,
                    "metric": "light_kappa",
                    "level": "",
                    "value": light,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "items": pairable,
                }
            )
        return pd.DataFrame(rows)

    def _accuracy(self, vendors: list[_Vendor], est: dict[str, dict[str, tuple[float, float, float]]]) -> pd.DataFrame:
        rows = []
        for v in vendors:
            m = v.counts.sum(axis=1)
            gold_items = int(((m > 0) & self.has_gold).sum())
            scored = int(np.where(self.has_gold, m, 0).sum())
            for metric, n_label in (
                ("accuracy", scored),
                ("consensus_accuracy", gold_items),
                ("usable_rate", None),
            ):
                value, low, high = est[v.name][metric]
                rows.append(
                    {
                        "vendor": v.name,
                        "metric": "judgment_accuracy" if metric == "accuracy" else metric,
                        "value": value,
                        "ci_low": low,
                        "ci_high": high,
                        "gold_items": gold_items,
                        "n": n_label if n_label is not None else v.usable_scored,
                    }
                )
            confusion = self._vendor_confusion(v)
            table = per_class_from_confusion(confusion)
            f1 = table.loc[table["support"] > 0, "f1"]
            rows.append(
                {
                    "vendor": v.name,
                    "metric": "macro_f1",
                    "value": float(f1.mean()) if len(f1) else np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "gold_items": gold_items,
                    "n": scored,
                }
            )
        return pd.DataFrame(rows)

    def _vendor_confusion(self, v: _Vendor) -> np.ndarray:
        return confusion_from_codes(self.gold_code[self.item_codes[v.rows]], self.label_codes[v.rows], self.k)

    def _per_label(self, vendors: list[_Vendor]) -> pd.DataFrame:
        """Multilabel: precision, recall and F1 of each declared label over judgments on gold items, and its
        present/absent alpha."""
        bits = self.rules.bits
        frames = []
        for v in vendors:
            m = v.counts.sum(axis=1)
            row_gold = self.gold_code[self.item_codes[v.rows]]
            on_gold = row_gold >= 0
            given = bits[self.label_codes[v.rows]]
            truth = bits[np.maximum(row_gold, 0)] & on_gold[:, None]
            given_gold = given & on_gold[:, None]
            tp = (given_gold & truth).sum(axis=0)
            predicted = given_gold.sum(axis=0)
            support = truth.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                precision = np.where(predicted > 0, tp / predicted, np.nan)
                recall = np.where(support > 0, tp / support, np.nan)
                f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), np.nan)
            alphas = []
            for j in range(bits.shape[1]):
                present = v.counts @ bits[:, j].astype(np.int64)
                stats = alpha_stats(np.column_stack([present, m - present]), "nominal", np.arange(2.0)).sum(axis=0)
                alphas.append(float(alpha_from_stats(stats, "nominal", np.arange(2.0))[0]))
            frames.append(
                pd.DataFrame(
                    {
                        "vendor": v.name,
                        "label": list(self.rules.vocabulary),
                        "support": support,
                        "predicted": predicted,
                        "precision": precision,
                        "recall": recall,
                        "f1": f1,
                        "share_of_judgments": given.mean(axis=0) if len(given) else np.nan,
                        "class_alpha": alphas,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def _per_class(self, vendors: list[_Vendor]) -> pd.DataFrame:
        if self.rules.kind == "multilabel":
            return self._per_label(vendors)
        if self.rules.numeric:  # a continuous scale has no classes
            return pd.DataFrame(
                columns=[
                    "vendor",
                    "label",
                    "support",
                    "predicted",
                    "precision",
                    "recall",
                    "f1",
                    "share_of_judgments",
                    "class_alpha",
                ]
            )
        frames = []
        for v in vendors:
            table = per_class_from_confusion(self._vendor_confusion(v))
            m = v.counts.sum(axis=1)
            class_alpha = []
            for c in range(self.k):
                binary = np.column_stack([v.counts[:, c], m - v.counts[:, c]])
                stats = alpha_stats(binary, "nominal", np.arange(2.0)).sum(axis=0)
                class_alpha.append(float(alpha_from_stats(stats, "nominal", np.arange(2.0))[0]))
            table.insert(0, "label", self.labels)
            table.insert(0, "vendor", v.name)
            table["share_of_judgments"] = v.counts.sum(axis=0) / max(v.n_judgments, 1)
            table["class_alpha"] = class_alpha
            frames.append(table)
        return pd.concat(frames, ignore_index=True)

    def _confusion(self, vendors: list[_Vendor]) -> pd.DataFrame:
        if self.rules.numeric or self.rules.kind == "multilabel":
            return pd.DataFrame(columns=["vendor", "gold_label", "label", "count"])
        frames = []
        for v in vendors:
            c = self._vendor_confusion(v)
            gold_idx, label_idx = np.meshgrid(np.arange(self.k), np.arange(self.k), indexing="ij")
            frames.append(
                pd.DataFrame(
                    {
                        "vendor": v.name,
                        "gold_label": np.asarray(self.labels)[gold_idx.ravel()],
                        "label": np.asarray(self.labels)[label_idx.ravel()],
                        "count": c.ravel(),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    @cached_property
    def annotator_keys(self) -> np.ndarray:
        """Annotator code per judgment, keyed by vendor + annotator id (computed once)."""
        ann = self.data.annotations
        a_codes, _ = pd.factorize(ann["annotator_id"])
        key = self.vendor_codes.astype(np.int64) * (int(a_codes.max()) + 1 if len(a_codes) else 1) + a_codes
        return pd.factorize(key)[0]

    def _n_keys(self) -> int:
        keys = self.annotator_keys
        return int(keys.max()) + 1 if len(keys) else 0

    def _vendor_data(self, v: _Vendor) -> VendorData:
        ann = self.data.annotations
        shown = None
        if "shown_first" in ann.columns:
            order = ann["shown_first"].to_numpy(dtype=object)[v.rows]
            shown = np.where(order == "A", 0, np.where(order == "B", 1, -1)).astype(np.int64)
        strength = ann["strength"].to_numpy(dtype=object)[v.rows] if "strength" in ann.columns else None
        return VendorData(
            name=v.name,
            counts=v.counts,
            item_codes=self.item_codes[v.rows],
            label_codes=self.label_codes[v.rows],
            keys=self.annotator_keys[v.rows],
            consensus_value=v.consensus_value,
            shown_first=shown,
            strength=strength,
        )

    def _annotators(self, vendors: list[_Vendor], extras: pd.DataFrame | None = None) -> pd.DataFrame:
        """Report cards (see :mod:`labeleval.annotators`)."""
        ann = self.data.annotations
        keys = self.annotator_keys
        n_keys = self._n_keys()
        first = np.full(n_keys, -1, dtype=np.int64)
        first[keys[::-1]] = np.arange(len(keys))[::-1]
        counts_of_item = np.zeros((len(keys), self.k), dtype=np.int32)
        ds_accuracy = np.full(n_keys, np.nan)
        for v in vendors:
            counts_of_item[v.rows] = v.counts[self.item_codes[v.rows]]
            known = np.isfinite(v.ds_accuracy)
            ds_accuracy[known] = v.ds_accuracy[known]
        vendor_names = ann["vendor"].to_numpy()[first].astype(str)
        frame = report_cards(
            keys=keys,
            n_keys=n_keys,
            vendor_names=vendor_names,
            annotator_ids=ann["annotator_id"].to_numpy()[first],
            label_codes=self.label_codes,
            row_gold=self.gold_code[self.item_codes],
            counts_of_item=counts_of_item,
            durations=ann["duration_s"].to_numpy(dtype=np.float64) if "duration_s" in ann.columns else None,
            ds_accuracy=ds_accuracy,
            vendor_of_key=vendor_names,
            vendor_accuracy={v.name: self._vendor_accuracy(v) for v in vendors},
            k=self.k,
            confidence=self.s.confidence,
            rules=self.s.rules,
        )
        if extras is not None and len(extras.columns) > 1:
            frame = frame.join(extras.set_index("key"), how="left")
        return frame.sort_values(["vendor", "annotator_id"], ignore_index=True)

    def _redundancy(self, vendors: list[_Vendor]) -> pd.DataFrame:
        frames = []
        for index, v in enumerate(vendors):
            gold_judgments = int(self.has_gold[self.item_codes[v.rows]].sum())
            curve = redundancy_curve(
                vendor=v.name,
                item_codes=self.item_codes[v.rows],
                label_codes=self.label_codes[v.rows],
                gold_codes=self.gold_code,
                rules=self.rules,
                cost_per_label=v.cost.total / v.n_judgments if v.n_judgments else np.nan,
                draws=draws_for(gold_judgments),
                seed=self.s.seed + index,
                confidence=self.s.confidence,
            )
            frames.append(curve)
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=["vendor", "k", "items", "accuracy", "reaches_target"])
        out = pd.concat(frames, ignore_index=True)
        out["reaches_target"] = out["accuracy"] >= self.s.target_accuracy
        return out

    def _vendor_accuracy(self, v: _Vendor) -> float:
        confusion = self._vendor_confusion(v)
        total = confusion.sum()
        return float(np.trace(confusion) / total) if total else float("nan")

    def _cost(self, vendors: list[_Vendor], est: dict[str, dict[str, tuple[float, float, float]]]) -> pd.DataFrame:
        rows = []
        for v in vendors:
            e = est[v.name]
            b = self.data.billing[v.name]
            usable_rate = e["usable_rate"][0]
            rows.append(
                {
                    "vendor": v.name,
                    "pricing_model": v.cost.model,
                    "rate": v.cost.rate,
                    "billed_units": v.cost.billed_units,
                    "unit": v.cost.unit,
                    "rows_delivered": b.rows,
                    "n_judgments": v.n_judgments,
                    "n_items": v.n_items,
                    "hours": (b.seconds / 3600.0) if b.seconds is not None else np.nan,
                    "labour_cost": v.cost.labour,
                    "fees": v.cost.fees,
                    "total_cost": v.cost.total,
                    "currency": v.cost.currency,
                    "cost_per_label": v.cost.total / v.n_judgments if v.n_judgments else np.nan,
                    "cost_per_item": v.cost.total / v.n_items if v.n_items else np.nan,
                    "usable_rate": usable_rate,
                    "usable_labels": v.n_judgments * usable_rate,
                    "cost_per_usable_label": e["cost_per_usable_label"][0],
                    "cost_per_usable_label_ci_low": e["cost_per_usable_label"][1],
                    "cost_per_usable_label_ci_high": e["cost_per_usable_label"][2],
                    "consensus_accuracy": e["consensus_accuracy"][0],
                    "cost_per_correct_item": e["cost_per_correct_item"][0],
                    "cost_per_correct_item_ci_low": e["cost_per_correct_item"][1],
                    "cost_per_correct_item_ci_high": e["cost_per_correct_item"][2],
                }
            )
        return pd.DataFrame(rows)

    def _comparisons(
        self, vendors: list[_Vendor], est: dict[str, dict[str, tuple[float, float, float]]]
    ) -> pd.DataFrame:
        rows = []
        metrics: tuple[str, ...] = (
            "accuracy",
            "consensus_accuracy",
            "alpha",
            "usable_rate",
            "cost_per_usable_label",
        )
        if self.s.usability == "gold":  # the usable rate is the gold accuracy: do not test it twice
            metrics = tuple(m for m in metrics if m != "usable_rate")
        for a, b in itertools.combinations(vendors, 2):
            shared = int(((a.counts.sum(axis=1) > 0) & (b.counts.sum(axis=1) > 0)).sum())
            shared_gold = (a.counts.sum(axis=1) > 0) & (b.counts.sum(axis=1) > 0) & self.has_gold
            for metric in metrics:
                ea, eb = est[a.name][metric][0], est[b.name][metric][0]
                diff = self._samples[(a.name, metric)] - self._samples[(b.name, metric)]
                low, high = (
                    percentile_ci(diff[:, None], self.s.confidence)
                    if len(diff)
                    else (np.array([np.nan]), np.array([np.nan]))
                )
                test = "paired item bootstrap (Wald, bootstrap SE)"
                p = bootstrap_p_value(ea - eb, diff) if len(diff) else np.nan
                if metric == "consensus_accuracy":
                    ca = a.consensus_correct & shared_gold
                    cb = b.consensus_correct & shared_gold
                    p = mcnemar_exact(int((ca & ~cb).sum()), int((~ca & cb).sum()))
                    test = "exact McNemar on shared gold items"
                rows.append(
                    {
                        "vendor_a": a.name,
                        "vendor_b": b.name,
                        "metric": metric,
                        "estimate_a": ea,
                        "estimate_b": eb,
                        "difference": ea - eb,
                        "ci_low": float(low[0]),
                        "ci_high": float(high[0]),
                        "p_value": p,
                        "test": test,
                        "shared_items": shared,
                        "shared_gold_items": int(shared_gold.sum()),
                    }
                )
        frame = pd.DataFrame(
            rows,
            columns=[
                "vendor_a",
                "vendor_b",
                "metric",
                "estimate_a",
                "estimate_b",
                "difference",
                "ci_low",
                "ci_high",
                "p_value",
                "test",
                "shared_items",
                "shared_gold_items",
            ],
        )
        frame["p_holm"] = holm(frame["p_value"].to_numpy(dtype=np.float64))
        frame["significant"] = frame["p_holm"] < (1.0 - self.s.confidence)
        return frame

    def _consensus_text(self, v: _Vendor, idx: np.ndarray, labels: np.ndarray) -> np.ndarray:
        if self.rules.numeric:
            return v.consensus_value[idx]
        if self.rules.kind == "multilabel":
            vocabulary = self.rules.vocabulary
            return np.asarray([_set_from_mask(x, vocabulary) for x in v.consensus_value[idx]], dtype=object)
        return labels[v.consensus[idx]]

    def _items(self, vendors: list[_Vendor]) -> pd.DataFrame:
        values = np.column_stack(
            [np.where((v.counts.sum(axis=1) > 0) & (v.consensus >= 0), v.consensus_value, np.nan) for v in vendors]
        )
        resolved = np.isfinite(values)
        high = np.where(resolved, values, -np.inf).max(axis=1)
        low = np.where(resolved, values, np.inf).min(axis=1)
        disagree = (resolved.sum(axis=1) >= 2) & (high - low > self.project.task.tolerance + 1e-9)
        labels = np.asarray([*self.labels, None], dtype=object)
        frames = []
        for v in vendors:
            m = v.counts.sum(axis=1)
            idx = np.flatnonzero(m > 0)
            gold = self.gold_code[idx]
            frame = pd.DataFrame(
                {
                    "item_id": self.items[idx],
                    "vendor": v.name,
                    "n_judgments": m[idx],
                    "consensus": self._consensus_text(v, idx, labels),
                    "confidence": v.confidence[idx],
                    "gold_label": labels[gold],
                    "consensus_correct": np.where(gold >= 0, v.consensus_correct[idx].astype(float), np.nan),
                    "vendors_disagree": disagree[idx],
                }
            )
            if self.rules.numeric:
                frame["gold_label"] = np.where(gold >= 0, self.values[np.maximum(gold, 0)], np.nan)
            else:
                for c, label in enumerate(self.labels):
                    frame[f"votes_{label}"] = v.counts[idx, c]
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def _set_from_mask(mask: float, vocabulary: tuple[str, ...]) -> object:
    if not np.isfinite(mask):
        return None
    members = [lab for j, lab in enumerate(vocabulary) if int(mask) >> j & 1]
    return "|".join(members) if members else "(none)"


def _ratio(t: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out = t[:, 0] / t[:, 1]
    out[t[:, 1] <= 0] = np.nan
    return out


def _cost_per(total: float, n: int) -> Callable[[np.ndarray], np.ndarray]:
    def per(rate: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            out = total / (n * rate)
        out[~(rate > 0)] = np.inf if total > 0 else np.nan
        return out

    return per
