"""Metrics over time: by batch, week or day.

``evaluate(project, over="week")`` (``"day"``, ``"batch"``) splits the judgments into windows (by
``submitted_at``, floored to the UTC week starting Monday or to the UTC day; or by ``batch_id``, ordered by
first submission), scores each window on its own with the engine (intervals included, see
:mod:`labeleval.analyses.subsets`) and fills two frames:

``drift``
    window x vendor: judgments, gold items, accuracy and cost per usable label with intervals (each window
    scored on its own with the evaluation's settings) and median seconds per judgment; and a change-point
    test. On every window after a vendor's first, the vendor's accuracy on the judgments *from that window
    on* (``accuracy_since``) is compared with its accuracy on the judgments *before it* (``accuracy_before``):
    ``change`` is the difference, with a simultaneous interval (``change_ci_low``, ``change_ci_high``) and
    ``p_adjusted`` from one bootstrap max-T over every vendor and split point (the verdict's family code).
    The resamples are the evaluation's, items and annotators unless ``uncertainty = "items"``
    (:mod:`labeleval.scoring.parts`), with each annotator weighted alike on both sides of a split: a
    different roster on shift is the vendor's workforce varying, not drift of the vendor. Pooling the
    windows on each side gives the test its power (a drop of 5 points from week 5 of 8, 50 gold items a
    week, is found in about a third of projects; docs/metrics.md). ``changed`` marks the vendor's change point:
    its most significant split, when that is significant (``test`` says what was tested).
    Judgments with no timestamp (or batch) form a ``(missing)`` window that is shown but never tested.
``annotator_drift``
    annotator x window, for annotators active in at least two windows: gold accuracy in each later window
    against the same annotator's first window (Fisher's exact test), and speed (median seconds; Mann-Whitney
    U test on the durations), each Holm-adjusted over all annotator-windows tested. A judgment is right when it
    equals gold (within the task's tolerance for ordinal and numeric tasks). ``drift`` says in words what
    changed beyond chance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labeleval import fmt
from labeleval.analyses.subsets import Scorer, score_quietly, subset
from labeleval.errors import LabelevalError
from labeleval.inference.stats import holm
from labeleval.io.dataset import Dataset
from labeleval.options import Uncertainty, Window
from labeleval.scoring.compare import _Family
from labeleval.scoring.parts import Parts
from labeleval.scoring.settings import Settings
from labeleval.scoring.uncertainty import RatioSums

WINDOWS = Window.values()
MISSING_WINDOW = "(missing)"
DRIFT_COLUMNS = (
    "over",
    "window",
    "window_start",
    "vendor",
    "status",
    "n_judgments",
    "gold_items",
    "accuracy",
    "accuracy_ci_low",
    "accuracy_ci_high",
    "cost_per_usable_label",
    "cost_per_usable_label_ci_low",
    "cost_per_usable_label_ci_high",
    "median_seconds",
    "baseline",
    "accuracy_before",
    "accuracy_since",
    "change",
    "change_ci_low",
    "change_ci_high",
    "p_value",
    "p_adjusted",
    "changed",
    "test",
    "uncertainty",
)
ANNOTATOR_DRIFT_COLUMNS = (
    "vendor",
    "annotator_id",
    "window",
    "n_judgments",
    "gold_judgments",
    "accuracy",
    "baseline",
    "accuracy_baseline",
    "p_accuracy",
    "p_accuracy_adjusted",
    "median_seconds",
    "median_seconds_baseline",
    "p_speed",
    "p_speed_adjusted",
    "drift",
)


def windows_of(data: Dataset, over: str) -> tuple[np.ndarray, list[str], dict[str, pd.Timestamp | None]]:
    """Window label per judgment, the windows in time order, and each window's start."""
    if over not in WINDOWS:
        raise LabelevalError(f"over must be one of {', '.join(map(repr, WINDOWS))}; got {over!r} instead")
    ann = data.annotations
    stamps = ann["submitted_at"] if "submitted_at" in ann.columns else None
    if over == "batch":
        if "batch_id" not in ann.columns or ann["batch_id"].isna().all():
            raise LabelevalError("over='batch' needs a batch_id column: map one with columns = { batch_id = \"...\" }")
        labels = ann["batch_id"].astype("object").where(ann["batch_id"].notna(), MISSING_WINDOW).astype(str)
        if stamps is not None:
            first = stamps.groupby(labels.to_numpy()).min()
        else:
            first = pd.Series(pd.NaT, index=pd.unique(labels))
        order = sorted(
            first.index,
            key=lambda w: (w == MISSING_WINDOW, pd.isna(first[w]), first[w] if pd.notna(first[w]) else 0, w),
        )
        starts = {w: (first[w] if pd.notna(first[w]) else None) for w in order}
        return labels.to_numpy(), order, starts
    if stamps is None or stamps.isna().all():
        raise LabelevalError(
            f"over={over!r} needs submission times: map a submitted_at column, "
            f'e.g. columns = {{ submitted_at = "..." }}'
        )
    utc = pd.to_datetime(stamps, utc=True)
    day = utc.dt.floor("D")
    start = day - pd.to_timedelta(day.dt.day_of_week, unit="D") if over == "week" else day
    labels = start.dt.strftime("%Y-%m-%d").astype("object").where(start.notna(), MISSING_WINDOW)
    order = sorted(pd.unique(labels), key=lambda w: (w == MISSING_WINDOW, w))
    starts = {w: (pd.Timestamp(w, tz="UTC") if w != MISSING_WINDOW else None) for w in order}
    if over == "week":
        renamed = {w: (f"week of {w}" if w != MISSING_WINDOW else w) for w in order}
        labels = labels.map(renamed)
        order = [renamed[w] for w in order]
        starts = {renamed[w]: s for w, s in starts.items()}
    return labels.astype(str).to_numpy(), order, starts


def drift_frames(data: Dataset, scorer: Scorer, over: str, *, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``drift``, ``annotator_drift``) for windows ``over`` = week, day or batch."""
    labels, order, starts = windows_of(data, over)
    vendors = [v.name for v in data.project.vendors]
    ann = data.annotations
    seconds = ann["duration_s"].to_numpy(dtype=np.float64, na_value=np.nan) if "duration_s" in ann.columns else None
    rows: list[dict[str, object]] = []
    for window in order:
        mask = labels == window
        part = subset(data, mask)
        report = score_quietly(scorer, part.data) if part.data is not None else None
        summary = report.summary.set_index("vendor") if report is not None else None
        for vendor in vendors:
            row: dict[str, object] = dict.fromkeys(DRIFT_COLUMNS, np.nan)
            row.update(over=over, window=window, window_start=starts[window], vendor=vendor, changed=False)
            if summary is None or vendor not in summary.index:
                row.update(status="absent", n_judgments=0, gold_items=0)
                rows.append(row)
                continue
            s = summary.loc[vendor]
            for column in DRIFT_COLUMNS[5:13]:
                if column in s.index:
                    row[column] = s[column]
            row["status"] = "ok" if int(s.get("gold_items", 0) or 0) > 0 else "no gold"
            if seconds is not None:
                mine = mask & (ann["vendor"] == vendor).to_numpy()
                finite = seconds[mine][np.isfinite(seconds[mine])]
                row["median_seconds"] = float(np.median(finite)) if len(finite) else np.nan
            rows.append(row)
    frame = pd.DataFrame(rows, columns=list(DRIFT_COLUMNS))
    change_points(frame, data, labels, settings)
    return frame, annotator_drift(data, labels, order, confidence=settings.confidence)


def change_test_name(settings: Settings) -> str:
    """What the drift frame's change-point test is, in words."""
    over = "items and annotators" if settings.uncertainty == Uncertainty.ITEMS_AND_ANNOTATORS else "items"
    return (
        "change point: accuracy from this window on against the windows before it; bootstrap max-T over every "
        f"vendor and split point, {over}"
    )


def change_points(frame: pd.DataFrame, data: Dataset, labels: np.ndarray, settings: Settings) -> None:
    """Fill the change-point columns of the ``drift`` frame (see the module docstring) in place."""
    frame["baseline"] = frame["baseline"].astype(object)
    frame["test"], frame["uncertainty"] = change_test_name(settings), str(settings.uncertainty)
    testable = (frame["status"] == "ok") & (frame["window"] != MISSING_WINDOW)
    splits: list[tuple[str, str, int]] = []
    wanted: dict[tuple[str, ...], RatioSums] = {}
    parts: Parts | None = None
    for vendor in frame["vendor"].unique():
        windows = list(frame.loc[(frame["vendor"] == vendor) & testable, "window"])
        for k in range(1, len(windows)):
            parts = parts or Parts(data, settings)
            earlier, later = np.isin(labels, windows[:k]), np.isin(labels, windows[k:])
            wanted[(vendor, windows[k], "before")] = parts.sums(vendor, judgments=earlier)["accuracy"]
            wanted[(vendor, windows[k], "since")] = parts.sums(vendor, judgments=later)["accuracy"]
            index = frame.index[(frame["vendor"] == vendor) & (frame["window"] == windows[k])][0]
            splits.append((vendor, windows[k], int(index)))
    if parts is None:
        return
    est = parts.estimates(wanted)
    family = _Family("drift", str(settings.uncertainty), change_test_name(settings))
    for vendor, window, index in splits:
        since, before = est[(vendor, window, "since")], est[(vendor, window, "before")]
        row = {"at": index, "vendor": vendor}
        if min(since.items, before.items) < settings.min_shared_gold:
            family.skip(row, since.value, before.value, "too few gold items on one side")
            continue
        pair = [(1.0, wanted[(vendor, window, "since")], since), (-1.0, wanted[(vendor, window, "before")], before)]
        change = parts.combination(pair)
        family.add(row, since.value, before.value, change.samples, change.floor, change.df, "")
    tested = pd.DataFrame(family.finish(settings.confidence))
    for r in tested.itertuples(index=False):
        i = int(r.at)
        frame.at[i, "baseline"] = f"before {frame.at[i, 'window']}"
        frame.loc[i, ["accuracy_since", "accuracy_before", "change"]] = [r.estimate_a, r.estimate_b, r.difference]
        frame.loc[i, ["change_ci_low", "change_ci_high", "p_value", "p_adjusted"]] = [
            r.ci_low,
            r.ci_high,
            r.p_value,
            r.p_adjusted,
        ]
    significant = tested[tested["significant"].astype(bool)] if len(tested) else tested
    for _, mine in significant.groupby("vendor", sort=False) if len(significant) else []:
        frame.at[int(mine.loc[mine["p_value"].idxmin(), "at"]), "changed"] = True  # the change point
    frame["changed"] = frame["changed"].astype(bool)


def _right(data: Dataset) -> np.ndarray:
    """Per judgment: 1 right, 0 wrong, NaN not on gold (equal to gold within the task's tolerance)."""
    ann = data.annotations
    gold = data.gold
    codes = ann["label"].cat.codes.to_numpy().astype(np.int64)
    gold_codes = (
        pd.Series(gold.cat.codes.to_numpy(dtype=np.int64), index=gold.index)
        .reindex(ann["item_id"].to_numpy())
        .fillna(-1)
        .to_numpy(dtype=np.int64)
    )
    task = data.project.task
    if task.kind in ("interval", "ratio"):
        values = np.asarray([float(c) for c in ann["label"].cat.categories])
        hit = np.abs(values[codes] - values[np.maximum(gold_codes, 0)]) <= task.tolerance + 1e-9
    elif task.kind == "ordinal":
        hit = np.abs(codes - gold_codes) <= task.tolerance + 1e-9
    else:
        hit = codes == gold_codes
    return np.where(gold_codes >= 0, hit.astype(np.float64), np.nan)


def annotator_drift(data: Dataset, labels: np.ndarray, order: list[str], *, confidence: float) -> pd.DataFrame:
    """Per annotator and later window: accuracy and speed against the same annotator's first window."""
    from scipy import stats  # imported here: scipy.stats is slow to import

    ann = data.annotations
    right = _right(data)
    seconds = ann["duration_s"].to_numpy(dtype=np.float64, na_value=np.nan) if "duration_s" in ann.columns else None
    frame = pd.DataFrame(
        {
            "vendor": ann["vendor"].astype(str).to_numpy(),
            "annotator_id": ann["annotator_id"].astype(str).to_numpy(),
            "window": labels,
            "right": right,
            "seconds": seconds if seconds is not None else np.nan,
        }
    )
    frame = frame[frame["window"] != MISSING_WINDOW]
    rows = []
    for (vendor, annotator), mine in frame.groupby(["vendor", "annotator_id"], sort=True):
        windows = [w for w in order if w in set(mine["window"])]
        if len(windows) < 2:
            continue
        first = mine["window"].to_numpy() == windows[0]
        for window in windows[1:]:
            inside = mine["window"].to_numpy() == window
            r_in = mine["right"].to_numpy()[inside]
            r_out = mine["right"].to_numpy()[first]
            r_in, r_out = r_in[np.isfinite(r_in)], r_out[np.isfinite(r_out)]
            s_in = mine["seconds"].to_numpy()[inside]
            s_out = mine["seconds"].to_numpy()[first]
            s_in, s_out = s_in[np.isfinite(s_in)], s_out[np.isfinite(s_out)]
            p_acc = np.nan
            if len(r_in) and len(r_out):
                table = [[r_in.sum(), len(r_in) - r_in.sum()], [r_out.sum(), len(r_out) - r_out.sum()]]
                p_acc = float(stats.fisher_exact(table).pvalue)
            p_speed = np.nan
            if len(s_in) >= 3 and len(s_out) >= 3:
                p_speed = float(stats.mannwhitneyu(s_in, s_out, alternative="two-sided").pvalue)
            rows.append(
                {
                    "vendor": vendor,
                    "annotator_id": annotator,
                    "window": window,
                    "baseline": windows[0],
                    "n_judgments": int(inside.sum()),
                    "gold_judgments": len(r_in),
                    "accuracy": float(r_in.mean()) if len(r_in) else np.nan,
                    "accuracy_baseline": float(r_out.mean()) if len(r_out) else np.nan,
                    "p_accuracy": p_acc,
                    "median_seconds": float(np.median(s_in)) if len(s_in) else np.nan,
                    "median_seconds_baseline": float(np.median(s_out)) if len(s_out) else np.nan,
                    "p_speed": p_speed,
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[c for c in ANNOTATOR_DRIFT_COLUMNS if c not in ("p_accuracy_adjusted", "p_speed_adjusted", "drift")],
    )
    out["p_accuracy_adjusted"] = holm(out["p_accuracy"].to_numpy(dtype=np.float64))
    out["p_speed_adjusted"] = holm(out["p_speed"].to_numpy(dtype=np.float64))
    level = 1 - confidence
    words = []
    for r in out.itertuples(index=False):
        said = []
        if r.p_accuracy_adjusted < level:
            said.append(
                f"accuracy {r.accuracy:.0%} against {r.accuracy_baseline:.0%} in {r.baseline} "
                f"(Fisher's exact test, Holm-adjusted {fmt.p_phrase(r.p_accuracy_adjusted, adjusted=False)})"
            )
        if r.p_speed_adjusted < level:
            faster = "faster" if r.median_seconds < r.median_seconds_baseline else "slower"
            said.append(
                f"{faster}: median {r.median_seconds:.1f} s against {r.median_seconds_baseline:.1f} s "
                f"(Mann-Whitney U, Holm-adjusted {fmt.p_phrase(r.p_speed_adjusted, adjusted=False)})"
            )
        words.append("; ".join(said))
    out["drift"] = words
    return out[list(ANNOTATOR_DRIFT_COLUMNS)]
