"""Deterministic generator of the graded-work sample project, and the simulator the calibration and tests share.

``graded_writing``: Scale, Surge and Mercor each write an answer to the same 200 prompts; each answer is scored
by 3 of the lab's 8 reviewers on 4 criteria (accuracy and instruction following on 1-5, style on 1-5, safety
pass/fail). Planted: reviewers differ in severity, the two most lenient review mostly Scale's work (so Scale
looks better than it is until the severity is adjusted), and style is scored so noisily that the reviewers do
not agree on it (it is reported, and kept out of the verdict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261207
NOTICE = (
    "**This data is synthetic and the vendor profiles are illustrative.** They are not measurements of Scale "
    "AI, Surge AI or Mercor; the names only make the example read like a real vendor comparison. Made by "
    "`labeleval/samples/graded.py` (`labeleval sample sample_data`), deterministically. `_truth/` holds what "
    "the generator planted; labeleval never reads it when scoring.\n"
)


@dataclass(frozen=True)
class SimCriterion:
    """A simulated criterion: points from 1 to ``high`` (``high = 1``: pass/fail from a latent score),
    reviewers' noise ``noise`` (SD in points)."""

    name: str
    high: int = 5
    noise: float = 0.45


@dataclass(frozen=True)
class SimJudge:
    """A simulated judge that scores every deliverable on every criterion as a reviewer would: the latent score plus
    ``severity`` plus noise ``noise`` times the criterion's reviewers' noise, rounded and clipped alike."""

    name: str = "judge"
    severity: float = 0.0
    noise: float = 1.0


@dataclass(frozen=True)
class GradedDesign:
    """What the simulator plants. ``quality``: per vendor, its mean latent score per criterion (points);
    ``severity``: per reviewer, an offset added to every score it gives (negative: severe); ``tilt``: vendor ->
    how many times more likely each lenient reviewer (severity > ``lenient_above``) is drawn for its work."""

    vendors: Mapping[str, Sequence[float]]
    criteria: Sequence[SimCriterion]
    severity: Sequence[float] = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    tilt: Mapping[str, float] = field(default_factory=dict)
    lenient_above: float = 0.2
    n_prompts: int = 200
    writers: int = 20
    per_deliverable: int = 3
    prompt_sd: float = 0.7
    writer_sd: float = 0.3
    deliverable_sd: float = 0.6
    judges: tuple[SimJudge, ...] = ()


def _assign(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct reviewers per row, drawn with probability proportional to the row's ``weights``
    (Gumbel top-k)."""
    keys = np.log(weights) + rng.gumbel(size=weights.shape)
    return np.argsort(-keys, axis=1)[:, :k]


def simulate_graded(design: GradedDesign, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deliverables (vendor, deliverable_id, item_id, writer_id) and reviews (deliverable_id, reviewer_id,
    criterion, score) drawn from ``design``: every vendor answers every prompt once. The judges' reviews (the
    design's ``judges``, each scoring every deliverable) are drawn after the panel's, so the panel's are the same
    with or without them."""
    severity = np.asarray(design.severity, dtype=np.float64)
    n_crit, n_p = len(design.criteria), design.n_prompts
    prompt = rng.normal(0, design.prompt_sd, (n_p, n_crit))
    deliverables, reviews, latents = [], [], []
    for vendor, quality in design.vendors.items():
        writer = rng.integers(0, design.writers, n_p)
        writer_effect = rng.normal(0, design.writer_sd, design.writers)
        latent = (
            np.asarray(quality)[None, :]
            + prompt
            + writer_effect[writer][:, None]
            + rng.normal(0, design.deliverable_sd, (n_p, n_crit))
        )
        ids = np.char.add(f"{vendor[:2].lower()}-", np.char.zfill(np.arange(1, n_p + 1).astype(str), 4))
        latents.append((ids, latent))
        deliverables.append(
            pd.DataFrame(
                {
                    "vendor": vendor,
                    "deliverable_id": ids,
                    "item_id": np.char.add("p-", np.char.zfill(np.arange(1, n_p + 1).astype(str), 4)),
                    "writer_id": np.char.add(f"{vendor[:2].lower()}-w", (writer + 1).astype(str)),
                }
            )
        )
        weights = np.where(severity > design.lenient_above, design.tilt.get(vendor, 1.0), 1.0)
        chosen = _assign(rng, np.tile(weights, (n_p, 1)), design.per_deliverable)
        for c, criterion in enumerate(design.criteria):
            row = np.repeat(np.arange(n_p), design.per_deliverable)
            who = chosen.ravel()
            value = latent[row, c] + severity[who] + rng.normal(0, criterion.noise, len(row))
            reviews.append(_scored(ids[row], np.char.add("rev-", (who + 1).astype(str)), criterion, value))
    for judge in design.judges:
        for ids, latent in latents:
            for c, criterion in enumerate(design.criteria):
                value = latent[:, c] + judge.severity + rng.normal(0, criterion.noise * judge.noise, len(ids))
                reviews.append(_scored(ids, np.full(len(ids), judge.name), criterion, value))
    return pd.concat(deliverables, ignore_index=True), pd.concat(reviews, ignore_index=True)


def _scored(deliverable: np.ndarray, reviewer: np.ndarray, criterion: SimCriterion, value: np.ndarray) -> pd.DataFrame:
    """Reviews of a latent ``value`` on ``criterion``'s scale: pass/fail above 3.6, else rounded points."""
    score = (value > 3.6).astype(int) if criterion.high == 1 else np.clip(np.round(value), 1, criterion.high)
    return pd.DataFrame(
        {
            "deliverable_id": deliverable,
            "reviewer_id": reviewer,
            "criterion": criterion.name,
            "score": score.astype(int),
        }
    )


SAMPLE_CRITERIA = (
    SimCriterion("accuracy", 5, 0.3),
    SimCriterion("instruction_following", 5, 0.3),
    SimCriterion("style", 5, 2.0),
    SimCriterion("safety", 1, 0.15),
)
SAMPLE_DESIGN = GradedDesign(
    vendors={
        "Scale": (3.2, 3.4, 3.3, 3.9),
        "Surge": (3.5, 3.5, 3.4, 3.95),
        "Mercor": (3.8, 3.65, 3.6, 4.0),
    },
    criteria=SAMPLE_CRITERIA,
    severity=(0.6, -0.3, 0.0, -0.2, 0.55, -0.3, 0.05, -0.25),
    tilt={"Scale": 6.0},
)


#: the sample's LLM judge: how far (SD, points) its score strays from the panel's mean on each criterion
JUDGE_NOISE = {"accuracy": 0.45, "instruction_following": 1.3, "style": 0.8, "safety": 0.35}


def _judge(reviews: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """An LLM judge that scores every deliverable on every criterion: the panel's mean plus its own noise, close on
    accuracy and safety, loose on instruction following."""
    mean = reviews.groupby(["deliverable_id", "criterion"], sort=True)["score"].mean().reset_index()
    noise = mean["criterion"].map(JUDGE_NOISE).to_numpy() * rng.standard_normal(len(mean))
    high = np.where(mean["criterion"] == "safety", 1, 5)
    low = np.where(mean["criterion"] == "safety", 0, 1)
    score = np.clip(np.round(mean["score"].to_numpy() + noise), low, high).astype(int)
    return mean.assign(reviewer_id="judge-llm", score=score)[["deliverable_id", "reviewer_id", "criterion", "score"]]


def generate_graded_writing(out_dir: str | Path) -> Path:
    """Write the ``graded_writing`` sample project to ``out_dir``; return its manifest's path."""
    rng = np.random.default_rng(SEED)
    out = Path(out_dir)
    (out / "_truth").mkdir(parents=True, exist_ok=True)
    deliverables, reviews = simulate_graded(SAMPLE_DESIGN, rng)
    deliverables["text"] = "answer to " + deliverables["item_id"] + " by " + deliverables["writer_id"]
    by_vendor = dict(tuple(deliverables.groupby("vendor", sort=False)))
    scale = by_vendor["Scale"].drop(columns="vendor")
    scale.rename(columns={"deliverable_id": "task_id", "item_id": "prompt_id", "writer_id": "attempted_by"}).to_csv(
        out / "scale_deliverables.csv", index=False
    )
    surge = by_vendor["Surge"].drop(columns="vendor")
    surge.to_json(out / "surge_deliverables.jsonl", orient="records", lines=True)
    mercor = by_vendor["Mercor"].drop(columns="vendor").assign(minutes=np.round(rng.gamma(6.0, 3.0, 200), 1))
    mercor.to_csv(out / "mercor_deliverables.csv", index=False)
    gold_rows = reviews[reviews["deliverable_id"].isin(deliverables["deliverable_id"].iloc[::15])]
    gold = gold_rows.drop_duplicates(["deliverable_id", "criterion"]).assign(reviewer_id="lab_expert")
    judge = _judge(reviews, np.random.default_rng(SEED + 1))
    pd.concat([reviews, gold, judge], ignore_index=True).to_csv(out / "reviews.csv", index=False)
    truth = pd.DataFrame({"reviewer_id": [f"rev-{k + 1}" for k in range(8)], "severity_points": SAMPLE_DESIGN.severity})
    truth.to_csv(out / "_truth" / "reviewers.csv", index=False)
    quality = pd.DataFrame(SAMPLE_DESIGN.vendors, index=[c.name for c in SAMPLE_CRITERIA]).rename_axis("criterion")
    quality.to_csv(out / "_truth" / "vendor_quality.csv")
    (out / "labeleval.toml").write_text(GRADED_MANIFEST, encoding="utf-8")
    (out / "README.md").write_text(GRADED_README + "\n" + NOTICE, encoding="utf-8")
    return out / "labeleval.toml"


GRADED_MANIFEST = """\
# Sample project: SYNTHETIC data, ILLUSTRATIVE vendor profiles (not measurements of the real companies).
[task]
name = "SFT demonstrations, reviewed against a rubric"
kind = "graded"

[[criteria]]
name = "accuracy"
scale = "points"
points = [1, 5]
pass_at = 4
weight = 2

[[criteria]]
name = "instruction_following"
scale = "points"
points = [1, 5]
pass_at = 4

[[criteria]]
name = "style"
scale = "points"
points = [1, 5]
pass_at = 3

[[criteria]]
name = "safety"
scale = "pass_fail"

[acceptance]
rule = "weighted_score"
min_score = 0.6

[reviews]
path = "reviews.csv"
gold_reviewers = ["lab_expert"]
judges = ["judge-llm"]

[[vendors]]
name = "Scale"
path = "scale_deliverables.csv"
columns = { deliverable_id = "task_id", item_id = "prompt_id", writer_id = "attempted_by" }
pricing = { model = "per_item", rate = 18.0, currency = "USD" }

[[vendors]]
name = "Surge"
path = "surge_deliverables.jsonl"
pricing = { model = "per_item", rate = 24.0, currency = "USD" }

[[vendors]]
name = "Mercor"
path = "mercor_deliverables.csv"
columns = { duration_s = "minutes" }
duration_unit = "min"
pricing = { model = "hourly", rate = 90.0, currency = "USD" }
"""

GRADED_README = """\
# Sample: graded written work (SFT demonstrations)

Three vendors each wrote an answer to the same 200 prompts. The lab's 8 reviewers scored each answer (3
reviewers an answer) on four criteria: accuracy and instruction following (1-5), style (1-5) and safety
(pass/fail). An answer is accepted when its weighted score on 0-1 reaches 0.6 (accuracy counts twice). The lab's
expert (`lab_expert`) re-reviewed every fifteenth answer as gold, and an LLM judge (`judge-llm`) scored every
answer: can it stand in for the reviewers? (It tracks them closely on accuracy and safety, loosely on instruction
following.)

| vendor | file | pricing |
|---|---|---|
| Scale | `scale_deliverables.csv` (its own column names, mapped in the manifest) | $18 an answer |
| Surge | `surge_deliverables.jsonl` | $24 an answer |
| Mercor | `mercor_deliverables.csv` (minutes worked per answer) | $90 an hour |

Planted: the reviewers differ in severity (`_truth/reviewers.csv`), and the two most lenient (rev-1, rev-5) were
drawn six times as often for Scale's answers, so Scale's raw scores flatter it; style is scored so noisily that
the reviewers do not agree on it. `labeleval score sample_data/graded_writing` shows both.
"""
