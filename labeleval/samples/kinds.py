"""Deterministic generators of the pairwise and Likert sample projects (synthetic, illustrative vendors).

``preference_pairs``: 1,500 comparisons of two model responses (A, B or tie), the response shown first
randomised; one vendor has a planted position bias (a share of its raters pick whatever is shown first),
another a high tie rate. ``helpfulness_likert``: 1,200 responses rated 1-7 for helpfulness; one vendor has
lenient raters planted, and the hourly experts rate every item (a crossed design, so all six ICCs apply).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261123
NOTICE = (
    "**This data is synthetic and the vendor profiles are illustrative.** They are not measurements of Scale "
    "AI, Surge AI or Mercor; the names only make the example read like a real vendor comparison. Made by "
    "`labeleval/samples/kinds.py` (`labeleval sample sample_data`), deterministically. `_truth/` holds what "
    "the generator planted; labeleval never reads it when scoring.\n"
)


def _pool_pick(rng: np.random.Generator, n_items: int, pool: int, per_item: int) -> np.ndarray:
    return np.argsort(rng.random((n_items, pool)), axis=1)[:, :per_item]


def _stamps(rng: np.random.Generator, n: int, start: str, days: float) -> np.ndarray:
    offsets = np.sort(rng.uniform(0, days * 86400, n))
    stamps = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(np.round(offsets), unit="s")
    return np.asarray(stamps.strftime("%Y-%m-%dT%H:%M:%SZ"))


def generate_preference_pairs(out_dir: str | Path, *, n_items: int = 1500, n_gold: int = 250) -> Path:
    rng = np.random.default_rng(SEED)
    out = Path(out_dir)
    (out / "_truth").mkdir(parents=True, exist_ok=True)
    items = np.char.add("pair-", np.char.zfill(np.arange(1, n_items + 1).astype(str), 5))
    truth = rng.choice(3, n_items, p=[0.44, 0.41, 0.15])  # 0 A, 1 B, 2 tie
    margin = np.where(truth == 2, 0.0, rng.uniform(0.05, 1.0, n_items))  # how clear-cut the pair is
    gold_idx = np.sort(rng.choice(n_items, n_gold, replace=False))
    names = np.asarray(["A", "B", "tie"])
    pd.DataFrame({"pair_id": items[gold_idx], "preferred": names[truth[gold_idx]]}).to_csv(
        out / "gold.csv", index=False
    )
    truth_rows: list[dict[str, object]] = []

    def judge(pool: int, per_item: int, skill: float, tie_bias: float, first_bias: float, prefix: str) -> pd.DataFrame:
        chosen = _pool_pick(rng, n_items, pool, per_item)
        annot = chosen.ravel()
        idx = np.repeat(np.arange(n_items), per_item)
        ability = np.clip(rng.normal(skill, 0.05, pool), 0.5, 0.98)[annot]
        biased = np.zeros(pool, dtype=bool)
        biased[rng.choice(pool, round(first_bias * pool), replace=False)] = True
        shown_first = rng.integers(0, 2, len(annot))  # 0: A shown first, 1: B shown first
        p_right = np.clip(ability * (0.55 + 0.45 * margin[idx]) + 0.25 * (truth[idx] == 2), 0.05, 0.97)
        right = rng.random(len(annot)) < p_right
        unsure = rng.random(len(annot)) < tie_bias * (1.0 - margin[idx])
        wrong = np.where(
            truth[idx] == 2, rng.integers(0, 2, len(annot)), np.where(rng.random(len(annot)) < 0.5, 2, 1 - truth[idx])
        )
        label = np.where(right, truth[idx], wrong)
        label = np.where(unsure & (label != 2), 2, label)
        takes_first = biased[annot] & (rng.random(len(annot)) < 0.6)
        label = np.where(takes_first, shown_first, label)
        strength = np.where(
            label == 2, "none", np.where(margin[idx] + rng.normal(0, 0.2, len(annot)) > 0.55, "clear", "slight")
        )
        truth_rows.extend(
            {"annotator": f"{prefix}{a + 1:03d}", "planted": "position-biased" if biased[a] else "honest"}
            for a in range(pool)
        )
        return pd.DataFrame(
            {
                "item": items[idx],
                "annotator": np.char.add(prefix, np.char.zfill((annot + 1).astype(str), 3)),
                "label": names[label],
                "shown_first": names[shown_first],
                "strength": strength,
                "seconds": np.round(rng.gamma(3.0, 12.0, len(annot)), 1),
            }
        )

    scale = judge(80, 3, 0.78, 0.10, 0.25, "sc-r")
    records = scale.assign(completed_at=_stamps(rng, len(scale), "2026-10-12T08:00:00", 5))
    records.rename(columns={"item": "pair_id", "annotator": "rater", "label": "choice", "seconds": "secs"}).to_json(
        out / "scale_pairs.jsonl", orient="records", lines=True
    )
    surge = judge(25, 3, 0.84, 0.65, 0.0, "sg-")
    surge_names = {"A": "Response A", "B": "Response B", "tie": "About the same"}
    pd.DataFrame(
        {
            "Comparison": surge["item"],
            "Labeler": surge["annotator"],
            "Preference": surge["label"].map(surge_names),
            "Shown First": surge["shown_first"].map({"A": "Response A", "B": "Response B"}),
            "Strength": surge["strength"],
            "Seconds": surge["seconds"],
        }
    ).to_csv(out / "surge_pairs.csv", index=False)
    mercor = judge(10, 3, 0.90, 0.15, 0.0, "ex-")
    mercor["seconds"] = np.round(rng.gamma(4.0, 22.0, len(mercor)), 1)
    mercor.to_csv(out / "mercor_pairs.csv", index=False)
    pd.DataFrame(truth_rows).to_csv(out / "_truth" / "annotators.csv", index=False)
    pd.DataFrame({"pair_id": items, "true_preference": names[truth]}).to_csv(out / "_truth" / "items.csv", index=False)
    (out / "labeleval.toml").write_text(PAIRS_MANIFEST, encoding="utf-8")
    (out / "README.md").write_text(PAIRS_README + "\n" + NOTICE, encoding="utf-8")
    return out / "labeleval.toml"


def generate_helpfulness_likert(out_dir: str | Path, *, n_items: int = 1200, n_gold: int = 200) -> Path:
    rng = np.random.default_rng(SEED + 1)
    out = Path(out_dir)
    (out / "_truth").mkdir(parents=True, exist_ok=True)
    items = np.char.add("resp-", np.char.zfill(np.arange(1, n_items + 1).astype(str), 5))
    quality = np.clip(rng.normal(4.4, 1.4, n_items), 1, 7)
    gold_idx = np.sort(rng.choice(n_items, n_gold, replace=False))
    gold = np.clip(np.round(quality[gold_idx] + rng.normal(0, 0.25, n_gold)), 1, 7).astype(int)
    pd.DataFrame({"response_id": items[gold_idx], "expert_score": gold}).to_csv(out / "gold.csv", index=False)
    truth_rows: list[dict[str, object]] = []

    def rate(pool: int, per_item: int, noise: float, lenient: int, prefix: str, crossed: bool = False) -> pd.DataFrame:
        chosen = np.tile(np.arange(pool), (n_items, 1)) if crossed else _pool_pick(rng, n_items, pool, per_item)
        annot = chosen.ravel()
        idx = np.repeat(np.arange(n_items), chosen.shape[1])
        offset = rng.normal(0, 0.2, pool)
        planted = np.zeros(pool, dtype=bool)
        if lenient:
            planted[rng.choice(pool, lenient, replace=False)] = True
            offset[planted] += 1.3
        score = np.clip(np.round(quality[idx] + offset[annot] + rng.normal(0, noise, len(annot))), 1, 7).astype(int)
        truth_rows.extend(
            {
                "annotator": f"{prefix}{a + 1:03d}",
                "planted": "lenient" if planted[a] else "honest",
                "offset": round(float(offset[a]), 2),
            }
            for a in range(pool)
        )
        return pd.DataFrame(
            {
                "item": items[idx],
                "annotator": np.char.add(prefix, np.char.zfill((annot + 1).astype(str), 3)),
                "score": score,
                "seconds": np.round(rng.gamma(3.0, 8.0, len(annot)), 1),
            }
        )

    scale = rate(100, 5, 1.1, 8, "sc-")
    scale.rename(columns={"item": "response_id", "annotator": "worker", "score": "rating"}).to_csv(
        out / "scale_ratings.csv", index=False
    )
    surge = rate(20, 3, 0.75, 0, "sg-")
    surge.rename(
        columns={"item": "Response", "annotator": "Labeler", "score": "Helpfulness (1-7)", "seconds": "Seconds"}
    ).to_json(out / "surge_ratings.jsonl", orient="records", lines=True)
    mercor = rate(3, 3, 0.5, 0, "ex-", crossed=True)
    mercor["seconds"] = np.round(rng.gamma(4.0, 15.0, len(mercor)), 1)
    mercor.to_csv(out / "mercor_ratings.csv", index=False)
    pd.DataFrame(truth_rows).to_csv(out / "_truth" / "annotators.csv", index=False)
    (out / "labeleval.toml").write_text(LIKERT_MANIFEST, encoding="utf-8")
    (out / "README.md").write_text(LIKERT_README + "\n" + NOTICE, encoding="utf-8")
    return out / "labeleval.toml"


PAIRS_MANIFEST = """\
# Sample project: SYNTHETIC data, ILLUSTRATIVE vendor profiles (not measurements of the real companies).
[task]
name = "Chatbot response preference"
kind = "pairwise"          # labels are A, B and tie

[gold]
path = "gold.csv"
columns = { item_id = "pair_id", label = "preferred" }

[[vendors]]
name = "Scale"
path = "scale_pairs.jsonl"
columns = { item_id = "pair_id", annotator_id = "rater", label = "choice", duration_s = "secs", submitted_at = "completed_at" }
pricing = { model = "per_label", rate = 0.35, currency = "USD" }

[[vendors]]
name = "Surge"
path = "surge_pairs.csv"
columns = { item_id = "Comparison", annotator_id = "Labeler", label = "Preference", shown_first = "Shown First", strength = "Strength", duration_s = "Seconds" }
label_map = { "Response A" = "A", "Response B" = "B", "About the same" = "tie" }
pricing = { model = "per_label", rate = 0.90, currency = "USD" }

[[vendors]]
name = "Mercor"
path = "mercor_pairs.csv"
columns = { item_id = "item", annotator_id = "annotator", duration_s = "seconds" }
pricing = { model = "hourly", rate = 80.0, currency = "USD" }
"""

LIKERT_MANIFEST = """\
# Sample project: SYNTHETIC data, ILLUSTRATIVE vendor profiles (not measurements of the real companies).
[task]
name = "Response helpfulness (1-7)"
kind = "ordinal"
labels = ["1", "2", "3", "4", "5", "6", "7"]
tolerance = 1              # a rating within one point of the expert's counts as usable

[gold]
path = "gold.csv"
columns = { item_id = "response_id", label = "expert_score" }

[[vendors]]
name = "Scale"
path = "scale_ratings.csv"
columns = { item_id = "response_id", annotator_id = "worker", label = "rating", duration_s = "seconds" }
pricing = { model = "per_label", rate = 0.12, currency = "USD" }

[[vendors]]
name = "Surge"
path = "surge_ratings.jsonl"
columns = { item_id = "Response", annotator_id = "Labeler", label = "Helpfulness (1-7)", duration_s = "Seconds" }
pricing = { model = "per_label", rate = 0.40, currency = "USD" }

[[vendors]]
name = "Mercor"
path = "mercor_ratings.csv"
columns = { item_id = "item", annotator_id = "annotator", label = "score", duration_s = "seconds" }
pricing = { model = "hourly", rate = 90.0, currency = "USD" }
"""

PAIRS_README = """\
# Sample project: chatbot response preferences (synthetic)

- 1,500 pairs of model responses judged A, B or tie; 250 carry an expert preference (`gold.csv`). The
  response shown first is randomised per judgment (`shown_first`).
- **Scale** (`scale_pairs.jsonl`): a crowd of 80, 3 judgments per pair, $0.35 each; a quarter of its raters
  have a planted **position bias** (they often pick whatever is shown first); `shown_first` is in every
  record.
- **Surge** (`surge_pairs.csv`, "Response A" / "Response B" / "About the same" mapped by `label_map`): 25
  vetted raters, 3 per pair, $0.90 each, a planted **high tie rate** when pairs are close; states a strength.
- **Mercor** (`mercor_pairs.csv`): 10 hourly experts at $80/hour, 3 per pair, slower.
"""

LIKERT_README = """\
# Sample project: response helpfulness on a 1-7 scale (synthetic)

- 1,200 model responses rated 1-7 for helpfulness; 200 carry an expert score (`gold.csv`). A rating within
  one point of the expert's counts as usable (`tolerance = 1`).
- **Scale** (`scale_ratings.csv`): a crowd of 100, 5 ratings per response, $0.12 each; 8 raters are
  planted as **lenient** (about +1.3 points).
- **Surge** (`surge_ratings.jsonl`): 20 vetted raters, 3 per response, $0.40 each.
- **Mercor** (`mercor_ratings.csv`): 3 hourly experts at $90/hour who each rate every response (a crossed
  design, so all six Shrout-Fleiss ICCs apply).
"""
