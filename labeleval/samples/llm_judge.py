"""Deterministic generator of ``sample_data/llm_judge``: can a model judge replace an expert panel?

**Synthetic data, illustrative vendors** (Panel, Crowd and the two model judges are made-up). It exists to
exercise ``labeleval replace`` and ``labeleval watch``. What the generator plants:

- 360 chatbot replies rated by a harm policy (``safe``, ``unsafe``, ``needs_context``), submitted over 12
  working days; 150 of them with an expert gold label.
- **Panel**: five expert raters, three on every reply, about 85% right, paid per label (the incumbent).
- **Crowd**: a cheaper crowd vendor, three raters of twenty on every reply, about 75% right.
- **Judge-Large**: a model judge read through the ``llm`` format (one prediction per reply, token counts),
  90% right by construction: it can replace the panel's raters.
- **Judge-Small**: a small model, 55% right by construction: it cannot.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

LABELS = ("safe", "unsafe", "needs_context")
PREVALENCE = (0.55, 0.30, 0.15)
SEED = 20261207
N_ITEMS = 360
N_GOLD = 150
DAYS = 12
START = pd.Timestamp("2026-11-02T09:00:00", tz="UTC")


def _labels(rng: np.random.Generator, truth: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    right = rng.random(len(truth)) < accuracy
    wrong = (truth + rng.integers(1, len(LABELS), len(truth))) % len(LABELS)
    return np.where(right, truth, wrong)


def _stamps(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    working = day + 2 * (day // 5)  # Monday to Friday
    offset = working * 86400 + rng.uniform(0, 8 * 3600, len(day))
    return np.asarray((START + pd.to_timedelta(np.round(offset), unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ"))


def _raters(
    rng: np.random.Generator, truth: np.ndarray, day: np.ndarray, prefix: str, pool: int, accuracy: float
) -> pd.DataFrame:
    n = len(truth)
    skill = np.clip(accuracy + rng.normal(0, 0.03, pool), 0.05, 0.99)
    who = np.argsort(rng.random((n, pool)), axis=1)[:, :3]
    item = np.repeat(np.arange(n), 3)
    label = _labels(rng, truth[item], skill[who.ravel()])
    return pd.DataFrame(
        {
            "reply": np.char.add("r-", np.char.zfill((item + 1).astype(str), 4)),
            "rater": np.char.add(prefix, np.char.zfill((who.ravel() + 1).astype(str), 2)),
            "rating": np.asarray(LABELS)[label],
            "submitted_at": _stamps(rng, day[item]),
        }
    ).sort_values(["submitted_at", "reply", "rater"], ignore_index=True)


def _model(rng: np.random.Generator, truth: np.ndarray, day: np.ndarray, name: str, accuracy: float) -> str:
    label = _labels(rng, truth, np.full(len(truth), accuracy))
    stamps = _stamps(rng, day)
    lines = []
    for i in np.argsort(stamps, kind="stable"):
        record = {
            "item_id": f"r-{i + 1:04d}",
            "model": name,
            "prediction": LABELS[label[i]],
            "created_at": stamps[i],
            "latency_ms": int(rng.integers(300, 1500)),
            "usage": {"input_tokens": int(rng.integers(700, 1200)), "output_tokens": int(rng.integers(5, 40))},
        }
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


def generate_llm_judge(out_dir: str | Path) -> Path:
    """Write the model-judge sample project into ``out_dir`` and return the manifest's path."""
    rng = np.random.default_rng(SEED)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    truth = rng.choice(len(LABELS), N_ITEMS, p=PREVALENCE)
    day = np.sort(rng.integers(0, DAYS, N_ITEMS))
    gold = np.sort(rng.choice(N_ITEMS, N_GOLD, replace=False))
    ids = np.char.add("r-", np.char.zfill(np.arange(1, N_ITEMS + 1).astype(str), 4))
    pd.DataFrame({"reply": ids[gold], "gold": np.asarray(LABELS)[truth[gold]]}).to_csv(out / "gold.csv", index=False)
    _raters(rng, truth, day, "ex-", 5, 0.85).to_csv(out / "panel.csv", index=False)
    _raters(rng, truth, day, "cw-", 20, 0.75).to_csv(out / "crowd.csv", index=False)
    (out / "judge_large.jsonl").write_text(_model(rng, truth, day, "judge-large", 0.90), encoding="utf-8")
    (out / "judge_small.jsonl").write_text(_model(rng, truth, day, "judge-small", 0.55), encoding="utf-8")
    manifest = out / "labeleval.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    (out / "README.md").write_text(README, encoding="utf-8")
    return manifest


_RATERS = 'columns = { item_id = "reply", annotator_id = "rater", label = "rating", submitted_at = "submitted_at" }'
_MODEL = 'format = "llm"\ncolumns = { submitted_at = "created_at" }'

MANIFEST = f"""\
# Sample project: SYNTHETIC data, made-up vendors. Regenerate with: labeleval sample sample_data

[task]
name = "Chatbot reply harm review"
kind = "nominal"
labels = ["safe", "unsafe", "needs_context"]

[gold]
path = "gold.csv"
columns = {{ item_id = "reply", label = "gold" }}

[[vendors]]
name = "Panel"
path = "panel.csv"
{_RATERS}
pricing = {{ model = "per_label", rate = 0.60, currency = "USD" }}

[[vendors]]
name = "Crowd"
path = "crowd.csv"
{_RATERS}
pricing = {{ model = "per_label", rate = 0.08, currency = "USD" }}

[[vendors]]
name = "Judge-Large"
path = "judge_large.jsonl"
{_MODEL}
pricing = {{ model = "per_million_tokens", input_rate = 2.5, output_rate = 10.0, currency = "USD" }}

[[vendors]]
name = "Judge-Small"
path = "judge_small.jsonl"
{_MODEL}
pricing = {{ model = "per_million_tokens", input_rate = 0.15, output_rate = 0.6, currency = "USD" }}
"""

README = """\
# Sample project: can a model judge replace an expert panel? (synthetic)

**Synthetic data; Panel, Crowd, Judge-Large and Judge-Small are made-up.** Made by `labeleval/samples/llm_judge.py`
(`labeleval sample sample_data`), deterministically. 360 chatbot replies rated `safe`, `unsafe` or
`needs_context` over 12 working days; 150 with an expert gold label.

- Panel: five expert raters, three on every reply (about 85% right), $0.60 a label.
- Crowd: twenty crowd raters, three on every reply (about 75% right), $0.08 a label.
- Judge-Large and Judge-Small: model judges, one prediction per reply with token counts (the `llm` format),
  90% and 55% right by construction.

Try:

- `labeleval replace sample_data/llm_judge --candidate Judge-Large --incumbent Panel`: the large judge can
  replace the panel's raters; `--candidate Judge-Small` cannot.
- `labeleval watch sample_data/llm_judge`: the pilot replayed day by day, and when each pair's decision
  was reached.
"""
