"""Deterministic generator of ``sample_data/ticket_pilot``: a three-week English/Spanish vendor pilot.

**Synthetic data, illustrative vendors** (Atlas, Bravo, Cirrus are made-up names). It exists to exercise
the questions that come after "who is best?": slices, drift, sample size and suspect gold.
What the generator plants (and ``_truth/`` records, for tests; labeleval never reads it when scoring):

- 900 support tickets in three weekly batches (``batch_id`` week-1..3, ``submitted_at`` inside the week),
  60% English and 40% Spanish, 30% medical-insurance tickets; an ``items.csv`` with language, domain and
  the ticket text; ``gold.csv`` with a ``difficulty`` column declared as gold metadata.
- 360 gold items, **12 with a wrong gold label** (``_truth/wrong_gold.csv``), and 25 genuinely ambiguous
  items on which every vendor's annotators lean to the same other label (the hard case for a gold audit).
- **Slices**: Bravo is the most accurate on Spanish, Cirrus on English (the ranking differs by language).
- **Drift**: Cirrus falls in week 3 (two of its annotators get much worse and much faster; the vendor's
  accuracy drops from about 90% to about 70%).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

LABELS = ("billing", "technical", "account", "other")
PREVALENCE = (0.35, 0.30, 0.20, 0.15)
SEED = 20261123
N_ITEMS = 900
N_GOLD = 360
N_WRONG_GOLD = 12
N_AMBIGUOUS = 25
START = pd.Timestamp("2026-11-02T08:00:00", tz="UTC")  # a Monday


@dataclass(frozen=True)
class _Vendor:
    name: str
    prefix: str
    pool: int
    per_item: int
    accuracy_en: float
    accuracy_es: float
    median_seconds: float
    drifters: int = 0  # annotators who collapse in week 3


VENDORS = (
    _Vendor("Atlas", "at-", 60, 5, 0.80, 0.72, 12.0),
    _Vendor("Bravo", "br-", 20, 3, 0.80, 0.94, 20.0),
    _Vendor("Cirrus", "ci-", 10, 3, 0.95, 0.80, 30.0, drifters=4),
)


def _judgments(
    rng: np.random.Generator,
    vendor: _Vendor,
    truth: np.ndarray,
    spanish: np.ndarray,
    medical: np.ndarray,
    week: np.ndarray,
    ambiguous: np.ndarray,
    lean: np.ndarray,
) -> pd.DataFrame:
    n = len(truth)
    skill_shift = rng.normal(0, 0.03, vendor.pool)
    drifting = np.zeros(vendor.pool, dtype=bool)
    drifting[: vendor.drifters] = True
    who = np.argsort(rng.random((n, vendor.pool)), axis=1)[:, : vendor.per_item]
    annot = who.ravel()
    item = np.repeat(np.arange(n), vendor.per_item)
    base = np.where(spanish[item], vendor.accuracy_es, vendor.accuracy_en) + skill_shift[annot]
    base = base - 0.05 * medical[item]
    late = drifting[annot] & (week[item] == 3)
    p_right = np.clip(np.where(late, base - 0.55, base), 0.05, 0.99)
    right = rng.random(len(item)) < p_right
    wrong = (truth[item] + rng.integers(1, len(LABELS), len(item))) % len(LABELS)
    label = np.where(right, truth[item], wrong)
    # ambiguous items: annotators of every vendor lean to the same other label
    leaning = ambiguous[item] & (rng.random(len(item)) < 0.3)
    label = np.where(leaning, lean[item], label)
    speed = np.exp(rng.normal(0, 0.3, vendor.pool))
    seconds = vendor.median_seconds * speed[annot] * np.exp(rng.normal(0, 0.4, len(item)))
    seconds = np.where(late, seconds * 0.3, seconds)
    offset = (week[item] - 1) * 7 * 86400 + rng.uniform(0, 5 * 86400, len(item))
    stamps = START + pd.to_timedelta(np.round(offset), unit="s")
    return pd.DataFrame(
        {
            "ticket": np.char.add("t-", np.char.zfill((item + 1).astype(str), 4)),
            "annotator": np.char.add(vendor.prefix, np.char.zfill((annot + 1).astype(str), 3)),
            "label": np.asarray(LABELS)[label],
            "submitted_at": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seconds": np.round(seconds, 1),
            "batch": np.char.add("week-", week[item].astype(str)),
        }
    ).sort_values(["submitted_at", "ticket", "annotator"], ignore_index=True)


def generate_ticket_pilot(out_dir: str | Path) -> Path:
    """Write the ticket-pilot sample project into ``out_dir`` and return the manifest's path."""
    rng = np.random.default_rng(SEED)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids = np.char.add("t-", np.char.zfill(np.arange(1, N_ITEMS + 1).astype(str), 4))
    truth = rng.choice(len(LABELS), N_ITEMS, p=PREVALENCE)
    spanish = rng.random(N_ITEMS) < 0.4
    medical = rng.random(N_ITEMS) < 0.3
    week = np.repeat([1, 2, 3], N_ITEMS // 3)
    gold_idx = np.sort(rng.choice(N_ITEMS, N_GOLD, replace=False))
    ambiguous = np.zeros(N_ITEMS, dtype=bool)
    ambiguous[rng.choice(gold_idx, N_AMBIGUOUS, replace=False)] = True
    lean = (truth + rng.integers(1, len(LABELS), N_ITEMS)) % len(LABELS)
    clean_gold = gold_idx[~ambiguous[gold_idx]]
    wrong_idx = np.sort(rng.choice(clean_gold, N_WRONG_GOLD, replace=False))
    gold_label = truth.copy()
    gold_label[wrong_idx] = (truth[wrong_idx] + rng.integers(1, len(LABELS), N_WRONG_GOLD)) % len(LABELS)
    difficulty = np.where(ambiguous, "hard", np.where(medical, "medium", "easy"))

    language = np.where(spanish, "es", "en")
    domain = np.where(medical, "medical", "general")
    pd.DataFrame(
        {
            "ticket": ids,
            "language": language,
            "domain": domain,
            "text": [
                f"[{lang}] {dom} ticket {i}: customer writes about {LABELS[t]} (synthetic)"
                for i, lang, dom, t in zip(ids, language, domain, truth, strict=True)
            ],
        }
    ).to_csv(out / "items.csv", index=False)
    pd.DataFrame(
        {"ticket": ids[gold_idx], "gold": np.asarray(LABELS)[gold_label[gold_idx]], "difficulty": difficulty[gold_idx]}
    ).to_csv(out / "gold.csv", index=False)
    for vendor in VENDORS:
        frame = _judgments(rng, vendor, truth, spanish, medical, week, ambiguous, lean)
        frame.to_csv(out / f"{vendor.name.lower()}.csv", index=False)
    truth_dir = out / "_truth"
    truth_dir.mkdir(exist_ok=True)
    pd.DataFrame(
        {
            "ticket": ids[wrong_idx],
            "gold": np.asarray(LABELS)[gold_label[wrong_idx]],
            "true": np.asarray(LABELS)[truth[wrong_idx]],
        }
    ).to_csv(truth_dir / "wrong_gold.csv", index=False)
    pd.DataFrame({"ticket": ids[ambiguous]}).to_csv(truth_dir / "ambiguous.csv", index=False)
    manifest = out / "labeleval.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    (out / "README.md").write_text(README, encoding="utf-8")
    return manifest


_VENDOR_COLUMNS = (
    'columns = { item_id = "ticket", annotator_id = "annotator", label = "label", submitted_at = "submitted_at", '
    'duration_s = "seconds", batch_id = "batch" }'
)

MANIFEST = f"""\
# Sample project: SYNTHETIC data, made-up vendors. Regenerate with: labeleval sample sample_data

[task]
name = "Support ticket triage pilot"
kind = "nominal"
labels = ["billing", "technical", "account", "other"]

[gold]
path = "gold.csv"
columns = {{ item_id = "ticket", label = "gold" }}
metadata = ["difficulty"]

[items]
path = "items.csv"
columns = {{ item_id = "ticket" }}
metadata = ["language", "domain", "text"]

[usability]
rule = "gold"

[[vendors]]
name = "Atlas"
path = "atlas.csv"
{_VENDOR_COLUMNS}
pricing = {{ model = "per_label", rate = 0.05, currency = "USD", fee_pct = 10.0 }}

[[vendors]]
name = "Bravo"
path = "bravo.csv"
{_VENDOR_COLUMNS}
pricing = {{ model = "per_label", rate = 0.18, currency = "USD" }}

[[vendors]]
name = "Cirrus"
path = "cirrus.csv"
{_VENDOR_COLUMNS}
pricing = {{ model = "hourly", rate = 40.0, currency = "USD" }}
"""

README = """\
# Sample project: a three-week English/Spanish ticket-triage pilot (synthetic)

**Synthetic data; Atlas, Bravo and Cirrus are made-up vendors.** Made by `labeleval/samples/pilot.py`
(`labeleval sample sample_data`), deterministically. 900 tickets in three weekly batches, 60% English,
40% Spanish, 30% medical-insurance; 360 gold items.

Planted, for the questions after "who is best?":

- 12 gold labels are wrong (`_truth/wrong_gold.csv`): `labeleval gold-audit sample_data/ticket_pilot`;
  25 gold items are genuinely ambiguous (annotators of every vendor lean to the same other label).
- Bravo is best on Spanish, Cirrus on English: `labeleval score sample_data/ticket_pilot --by language`.
- Cirrus drifts in week 3 (four of its ten annotators get much worse and faster):
  `labeleval score sample_data/ticket_pilot --over week`.
- How many more gold items would separate the vendors: `labeleval plan sample_data/ticket_pilot`.
"""
