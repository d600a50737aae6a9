"""Deterministic generator of the bundled sample project ``sample_data/content_safety``.

The data is **synthetic** and the vendor profiles are **illustrative**: they are not measurements of
Scale AI, Surge AI or Mercor, whose names only make the example read like a real procurement. Each
vendor's batch comes in its own export format and column naming, with a little of the dirt real exports
have (a resubmitted judgment, a mis-cased label, a broken line), so the ledger has something to show.

Run ``labeleval sample OUT_DIR`` (or ``make sample``) to regenerate it; the same code gives the same bytes.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

LABELS = ("allowed", "borderline", "violating", "spam")
PREVALENCE = (0.70, 0.14, 0.11, 0.05)
#: How an honest annotator errs: rows true class, columns given label (off-diagonal shape only).
CONFUSABLE = np.array(
    [
        [0.0, 0.75, 0.10, 0.15],
        [0.55, 0.0, 0.40, 0.05],
        [0.10, 0.85, 0.0, 0.05],
        [0.60, 0.20, 0.20, 0.0],
    ]
)
SEED = 20261122


@dataclass(frozen=True)
class Pool:
    """An annotator pool: size, mean accuracy and its spread, spammers, and working speed."""

    prefix: str
    size: int
    accuracy: float
    spread: float
    spammers: int
    median_seconds: float


def simulate(
    rng: np.random.Generator,
    truth: np.ndarray,
    items: np.ndarray,
    pool: Pool,
    per_item: int,
    difficulty: np.ndarray,
    n_classes: int,
    confusable: np.ndarray,
    truth_rows: list[dict[str, object]] | None = None,
) -> pd.DataFrame:
    """Judgments of ``per_item`` distinct annotators from ``pool`` on every item (vectorised).

    Honest annotators are right with probability ``accuracy - difficulty`` and otherwise err along
    ``confusable``; spammers answer the most common label most of the time, fast.
    """
    n = len(items)
    skill = np.clip(rng.normal(pool.accuracy, pool.spread, pool.size), 0.35, 0.995)
    spammer = np.zeros(pool.size, dtype=bool)
    spammer[rng.choice(pool.size, pool.spammers, replace=False)] = True
    # distinct annotators per item: random keys, take the per_item smallest
    choice = np.argsort(rng.random((n, pool.size)), axis=1)[:, :per_item]
    annot = choice.ravel()
    item_idx = np.repeat(np.arange(n), per_item)
    true = truth[item_idx]
    p_right = np.clip(skill[annot] - difficulty[item_idx], 0.05, 0.995)
    right = rng.random(len(annot)) < p_right
    cum = np.cumsum(confusable[true], axis=1)
    wrong = (rng.random(len(annot))[:, None] > cum / cum[:, -1:]).sum(axis=1)
    label = np.where(right, true, np.minimum(wrong, n_classes - 1))
    spam = spammer[annot]
    label = np.where(spam, np.where(rng.random(len(annot)) < 0.8, 0, rng.integers(0, n_classes, len(annot))), label)
    speed = np.exp(rng.normal(0, 0.35, pool.size))
    if truth_rows is not None:
        truth_rows.extend(
            {
                "annotator": f"{pool.prefix}{i + 1:03d}",
                "planted": "spammer" if spammer[i] else "honest",
                "skill": round(float(skill[i]), 3),
            }
            for i in range(pool.size)
        )
    seconds = pool.median_seconds * speed[annot] * np.exp(rng.normal(0, 0.5, len(annot)))
    seconds = np.where(spam, rng.uniform(0.8, 2.5, len(annot)), seconds)
    return pd.DataFrame(
        {
            "item": items[item_idx],
            "annotator": np.char.add(f"{pool.prefix}", np.char.zfill((annot + 1).astype(str), 3)),
            "label": label,
            "seconds": np.round(seconds, 1),
        }
    )


def _freeze_xlsx(path: Path) -> None:
    """Make an XLSX byte-reproducible: fixed document timestamps and fixed zip entry dates."""
    stamp = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
    with zipfile.ZipFile(path) as archive:
        entries = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = stamp.sub(rb"\g<1>2026-01-01T00:00:00Z\g<3>", data)
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def _timestamps(rng: np.random.Generator, n: int, start: str, days: float) -> pd.Series:
    offsets = np.sort(rng.uniform(0, days * 86400, n))
    return pd.Series(pd.Timestamp(start, tz="UTC") + pd.to_timedelta(np.round(offsets), unit="s"))


@dataclass
class _Simulation:
    """What every vendor's simulation shares: the items, their truth and difficulty, the gold items, and
    the annotators planted so far (written to ``_truth/``)."""

    truth: np.ndarray
    items: np.ndarray
    difficulty: np.ndarray
    gold_idx: np.ndarray
    n_items: int
    planted: list[dict[str, object]] = field(default_factory=list)
    labels: np.ndarray = field(default_factory=lambda: np.asarray(LABELS))


def _write_scale(rng: np.random.Generator, sim: _Simulation, out: Path) -> None:
    """Scale: a Scale task export (JSON lines of task objects), dirt included."""
    # Scale: a large crowd, 5 sim.labels per item, some spammers; a Scale task export (JSON lines of task
    # objects): one task per item and attempt, the item and the attempt's worker in the task's metadata.
    scale = simulate(
        rng, sim.truth, sim.items, Pool("sc-w", 150, 0.82, 0.07, 10, 9.0), 5, sim.difficulty, 4, CONFUSABLE, sim.planted
    )
    scale["completed_at"] = _timestamps(rng, len(scale), "2026-10-05T08:00:00", 4).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    records: list[dict[str, object]] = [
        {
            "task_id": f"65f0{k:08x}",
            "type": "categorization",
            "status": "completed",
            "project": "cs-triage-v2",
            "completed_at": r.completed_at,
            "metadata": {"item_id": r.item, "worker_id": r.annotator, "time_spent_ms": int(r.seconds * 1000)},
            "response": {"category": str(sim.labels[r.label])},
        }
        for k, r in enumerate(scale.itertuples(index=False))
    ]
    records[120]["response"] = {"category": "Allowed"}  # mis-cased label
    records[4410]["response"] = {"category": "Spam"}
    for k in (1500, 7777):  # two tasks cancelled after submission: set aside, not billed
        records[k] = dict(records[k], status="canceled", completed_at=None, response=None)
    resubmitted = [
        dict(records[i], task_id=f"65f1{i:08x}", completed_at="2026-10-09T17:00:00Z") for i in (75, 2302, 8120)
    ]
    lines = [json.dumps(r) for r in records + resubmitted]
    lines.insert(6001, '{"task_id": "65f2truncated", "status": "completed", "metadata": {"item_id": "cs-01201"')
    (out / "scale_tasks.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_surge(rng: np.random.Generator, sim: _Simulation, out: Path) -> None:
    """Surge: a Surge export (a JSON list of tasks with their workers' responses)."""
    # Surge: a vetted pool, 3 sim.labels per item, upper-case sim.labels; a Surge export (a JSON list of tasks,
    # each with its workers' responses keyed by question).
    surge = simulate(
        rng,
        sim.truth,
        sim.items,
        Pool("surge_", 30, 0.91, 0.03, 0, 14.0),
        3,
        sim.difficulty * 0.7,
        4,
        CONFUSABLE,
        sim.planted,
    )
    surge_labels = np.asarray(["SAFE", "BORDERLINE", "VIOLATION", "SPAM"])
    surge["rating"] = surge_labels[surge["label"]]
    surge["completed_at"] = _timestamps(rng, len(surge), "2026-10-06T09:00:00", 5).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    surge.loc[[310, 4021], "rating"] = ""  # two responses without an answer
    surge.loc[1777, "completed_at"] = "next tuesday"
    tasks = []
    for position, (item, group) in enumerate(surge.groupby("item", sort=False)):
        tasks.append(
            {
                "id": f"b3e{position:05d}-task",
                "project_id": "7c1d-content-safety",
                "fields": {"item_id": item},
                "is_gold_standard": False,
                "responses": [
                    {
                        "id": f"resp-{position:05d}-{j}",
                        "worker_id": r.annotator,
                        "data": {"Safety rating": r.rating},
                        "time_spent_in_secs": r.seconds,
                        "completed_at": r.completed_at,
                    }
                    for j, r in enumerate(group.itertuples(index=False))
                ],
            }
        )
    (out / "surge_export.json").write_text(json.dumps(tasks) + "\n", encoding="utf-8")


def _write_mercor(rng: np.random.Generator, sim: _Simulation, out: Path) -> None:
    """Mercor: an XLSX timesheet with each expert's own hourly rate."""
    # Mercor: hourly experts, 3 sim.labels per item, slower; an XLSX timesheet with each expert's own rate.
    mercor = simulate(
        rng,
        sim.truth,
        sim.items,
        Pool("expert-", 12, 0.95, 0.02, 0, 38.0),
        3,
        sim.difficulty * 0.4,
        4,
        CONFUSABLE,
        sim.planted,
    )
    expert_number = mercor["annotator"].str.removeprefix("expert-").astype(int)
    sheet = pd.DataFrame(
        {
            "item": mercor["item"],
            "expert": mercor["annotator"],
            "decision": sim.labels[mercor["label"]],
            "timestamp": _timestamps(rng, len(mercor), "2026-10-05T13:00:00", 9).dt.strftime("%Y-%m-%d %H:%M"),
            "duration_sec": mercor["seconds"],
            "hourly_rate": 55.0 + 5.0 * (expert_number % 5),  # $55 to $75 an hour, by person
        }
    )
    sheet.loc[2500, "duration_sec"] = -38.0
    sheet.to_excel(out / "mercor_timesheet.xlsx", index=False, sheet_name="labels")
    _freeze_xlsx(out / "mercor_timesheet.xlsx")


def _write_label_studio(rng: np.random.Generator, sim: _Simulation, out: Path) -> None:
    """In-house team: a Label Studio JSON export with skipped and reviewer annotations."""
    # In-house team: 10 annotators in Label Studio, 3 per item on the gold sim.items and 500 others; a Label
    # Studio JSON export, with cancelled (skipped) annotations and two reviewer ground-sim.truth annotations.
    subset = np.sort(
        np.concatenate([sim.gold_idx, rng.choice(np.setdiff1d(np.arange(sim.n_items), sim.gold_idx), 500, False)])
    )
    team = simulate(
        rng,
        sim.truth[subset],
        sim.items[subset],
        Pool("ls-", 10, 0.88, 0.04, 0, 20.0),
        3,
        sim.difficulty[subset] * 0.8,
        4,
        CONFUSABLE,
        sim.planted,
    )
    stamps = _timestamps(rng, len(team), "2026-10-07T08:00:00", 6).dt.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    team["stamp"] = stamps
    ls_tasks: list[dict[str, Any]] = []
    annotation_id = 0
    for position, (item, group) in enumerate(team.groupby("item", sort=False)):
        annotations = []
        for r in group.itertuples(index=False):
            annotation_id += 1
            annotations.append(
                {
                    "id": annotation_id,
                    "completed_by": {
                        "id": int(r.annotator.removeprefix("ls-")),
                        "email": f"{r.annotator}@inhouse.example",
                    },
                    "result": [
                        {
                            "id": f"r{annotation_id}",
                            "from_name": "safety",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": [str(sim.labels[r.label])]},
                        }
                    ],
                    "was_cancelled": False,
                    "ground_truth": False,
                    "created_at": r.stamp,
                    "updated_at": r.stamp,
                    "lead_time": r.seconds,
                    "task": 9000 + position,
                }
            )
        ls_tasks.append(
            {
                "id": 9000 + position,
                "data": {"item_id": item, "text": f"(output {item})"},
                "annotations": annotations,
                "predictions": [],
            }
        )
    for position in (40, 233, 611):  # skipped: cancelled annotations with no result
        ls_tasks[position]["annotations"][0].update(was_cancelled=True, result=[])
    for position in (12, 345):  # a reviewer's ground-sim.truth annotation on top of the team's three
        reviewed = dict(ls_tasks[position]["annotations"][0], id=90000 + position, ground_truth=True)
        reviewed["completed_by"] = {"id": 99, "email": "reviewer@inhouse.example"}
        ls_tasks[position]["annotations"].append(reviewed)
    (out / "label_studio_export.json").write_text(json.dumps(ls_tasks) + "\n", encoding="utf-8")


#: Synthetic item texts per true class (no real user content). Chosen by item number, not drawn, so the
#: vendors' simulated judgments are the same with or without them.
TEXTS: dict[str, tuple[str, ...]] = {
    "allowed": (
        "Anyone tried the new trail by the lake? Worth the drive?",
        "Great tutorial, the part about sourdough starters finally made sense.",
        "Our team meetup is moved to Thursday, same room.",
        "Does this charger work with the older model too?",
        "Thanks for the quick reply, the refund arrived today.",
    ),
    "borderline": (
        "People from that town are all the same, honestly.",
        "This is the dumbest take I have read all week.",
        "Where can I buy the supplement they banned last year?",
        "Not saying anyone should do it, but the fence is easy to climb.",
    ),
    "violating": (
        "[threat against a named person, redacted in this synthetic sample]",
        "[instructions for a weapon, redacted in this synthetic sample]",
        "[targeted harassment of a private individual, redacted]",
    ),
    "spam": (
        "Buy cheap followers at cheap-followers.example, 10k for $5!!!",
        "You have WON a gift card, click bit.example/claim now",
        "Make $500 a day from home, DM me for the secret",
    ),
}
SURFACES = ("forum post", "product review", "chat message", "comment")


def _write_items(sim: _Simulation, out: Path) -> None:
    """``items.csv``: a short synthetic text and the surface of every item (shown on the Items page, sliceable)."""
    number = np.arange(1, len(sim.items) + 1)
    true = sim.labels[sim.truth]
    texts = [TEXTS[label][k % len(TEXTS[label])] for k, label in zip(number, true, strict=True)]
    pd.DataFrame(
        {
            "item": sim.items,
            "surface": np.asarray(SURFACES)[number % len(SURFACES)],
            "text": [
                f"{SURFACES[k % len(SURFACES)].capitalize()} {k}: {t}" for k, t in zip(number, texts, strict=True)
            ],
        }
    ).to_csv(out / "items.csv", index=False)


def generate_content_safety(out_dir: str | Path, *, n_items: int = 2000, n_gold: int = 300) -> Path:
    """Write the content-safety sample project into ``out_dir`` and return the manifest's path."""
    rng = np.random.default_rng(SEED)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = np.char.add("cs-", np.char.zfill(np.arange(1, n_items + 1).astype(str), 5))
    truth = rng.choice(len(LABELS), n_items, p=PREVALENCE)
    difficulty = np.where(rng.random(n_items) < 0.15, rng.uniform(0.15, 0.4, n_items), 0.0)
    gold_idx = np.sort(rng.choice(n_items, n_gold, replace=False))
    pd.DataFrame({"item": items[gold_idx], "gold": np.asarray(LABELS)[truth[gold_idx]]}).to_csv(
        out / "gold.csv", index=False
    )
    sim = _Simulation(truth, items, difficulty, gold_idx, n_items)
    _write_scale(rng, sim, out)
    _write_surge(rng, sim, out)
    _write_mercor(rng, sim, out)
    _write_label_studio(rng, sim, out)
    planted = sim.planted
    labels = sim.labels

    _write_items(sim, out)
    truth_dir = out / "_truth"
    truth_dir.mkdir(exist_ok=True)
    pd.DataFrame(planted).to_csv(truth_dir / "annotators.csv", index=False)
    pd.DataFrame({"item": items, "true_label": labels[truth]}).to_csv(truth_dir / "items.csv", index=False)
    manifest = out / "labeleval.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    (out / "README.md").write_text(README, encoding="utf-8")
    return manifest


MANIFEST = """\
# Sample project: SYNTHETIC data, ILLUSTRATIVE vendor profiles (not measurements of the real companies).
# Regenerate with: labeleval sample sample_data

[task]
name = "Content safety triage"
kind = "nominal"
labels = ["allowed", "borderline", "violating", "spam"]

[gold]
path = "gold.csv"
columns = { item_id = "item", label = "gold" }

[items]
path = "items.csv"
columns = { item_id = "item" }
metadata = ["surface", "text"]

[usability]
rule = "gold"
min_confidence = 0.8

[data]
duplicates = "keep_last"

[[vendors]]
name = "Scale"
path = "scale_tasks.jsonl"
format = "scale"
item_field = "metadata.item_id"
annotator_field = "metadata.worker_id"
columns = { duration_s = "metadata.time_spent_ms" }
duration_unit = "ms"
pricing = { model = "per_label", rate = 0.06, currency = "USD", fee_pct = 10.0 }

[[vendors]]
name = "Surge"
path = "surge_export.json"
format = "surge"
item_field = "fields.item_id"
label_map = { SAFE = "allowed", BORDERLINE = "borderline", VIOLATION = "violating", SPAM = "spam" }
pricing = { model = "per_label", rate = 0.22, currency = "USD" }

[[vendors]]
name = "Mercor"
path = "mercor_timesheet.xlsx"
format = "timesheet"
sheet = "labels"
pricing = { model = "hourly", currency = "USD" }   # each expert's own rate, from the timesheet

[[vendors]]
name = "In-house"
path = "label_studio_export.json"
format = "label_studio"
item_field = "data.item_id"
pricing = { model = "hourly", rate = 30.0, currency = "USD" }
"""

README = """\
# Sample project: content safety triage (synthetic)

**This data is synthetic and the vendor profiles are illustrative.** They are not measurements of Scale AI,
Surge AI, Mercor or anyone's in-house team; the names only make the example read like a real vendor
comparison. The files are made by `labeleval/samples/content_safety.py` (`labeleval sample sample_data`), deterministically,
in each vendor's own export format, so that the native readers (`format = "..."` in `labeleval.toml`) read them
with no column mapping. Check any of them with `labeleval read FILE`.

- 2,000 LLM outputs triaged into 4 imbalanced classes (allowed 70%, borderline 14%, violating 11%, spam 5%),
  15% of them hard; 300 carry an expert gold label (`gold.csv`).

| vendor | format | file | what the reader takes from it |
|---|---|---|---|
| Scale | `scale` (Scale task objects, JSON lines) | `scale_tasks.jsonl` | one row per `completed` task: item `metadata.item_id`, worker `metadata.worker_id`, label `response.category`, `completed_at`, time spent `metadata.time_spent_ms`; `canceled` tasks set aside (CANCELLED, not billed) |
| Surge | `surge` (Surge export: tasks with `responses`) | `surge_export.json` | one row per response: item `fields.item_id`, `worker_id`, the answer to "Safety rating" (upper case, mapped by `label_map`), `time_spent_in_secs`, `completed_at`; responses with no answer set aside (NO_ANSWER) |
| Mercor | `timesheet` (XLSX, sheet `labels`) | `mercor_timesheet.xlsx` | item, expert, decision, timestamp, `duration_sec` (seconds, said by the name) and each expert's `hourly_rate`: the row's cost is hours x that person's rate |
| In-house | `label_studio` (Label Studio JSON export) | `label_studio_export.json` | one row per annotation: item `data.item_id`, `completed_by` (email), the choice under `safety`, `lead_time` as seconds; cancelled (skipped) annotations and reviewer ground-truth annotations set aside |

- **Scale**: a large crowd of 150, 5 labels per item, about 7% spammers, $0.06 per label plus a 10% platform fee.
- **Surge**: a vetted pool of 30, 3 labels per item, $0.22 per label.
- **Mercor**: 12 hourly experts at $55 to $75 an hour (each their own rate), 3 labels per item, slower.
- **In-house**: 10 staff annotators in Label Studio at $30 an hour, 3 labels per item on the 300 gold items and
  500 others.
- `items.csv`: a short synthetic text and the surface (forum post, product review, chat message, comment) of
  every item, read as `[items]` metadata: shown beside each item's votes on the Items page, and a slice
  (`labeleval score sample_data/content_safety --by surface`). Texts of violating items are redacted placeholders.
- `_truth/` holds what the generator planted (each annotator's type and skill, each item's true label), for
  tests of spammer detection and truth inference; labeleval never reads it when scoring.
- Planted dirt, so the ledger has something to show: mis-cased labels, three resubmitted judgments, a
  truncated JSON line, two cancelled Scale tasks, empty Surge answers, an unparseable timestamp, a negative
  duration, skipped Label Studio annotations and two reviewer annotations.
"""
