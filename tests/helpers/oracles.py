"""Independent computations for engine tests: written from the definitions with plain pandas and loops,
sharing no code with labeleval (no count matrices, no sufficient statistics, no sparse products)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd


def _votes(ann: pd.DataFrame) -> dict[object, Counter[str]]:
    out: dict[object, Counter[str]] = {}
    for item, label in zip(ann["item_id"], ann["label"].astype(str), strict=True):
        out.setdefault(item, Counter())[label] += 1
    return out


def percent_agreement(ann: pd.DataFrame) -> float:
    """Mean over items with 2+ judgments of the share of agreeing judgment pairs."""
    shares = []
    for votes in _votes(ann).values():
        m = sum(votes.values())
        if m >= 2:
            shares.append(sum(n * (n - 1) for n in votes.values()) / (m * (m - 1)))
    return float(np.mean(shares))


def gwet_ac1(ann: pd.DataFrame, categories: list[str]) -> float:
    """Gwet's AC1 with varying ratings per item (Gwet 2014, as irrCAC): p_a over items with 2+ ratings,
    pi_c the mean over rated items of the item's share of c, p_e = sum pi_c (1 - pi_c) / (q - 1)."""
    votes = _votes(ann)
    pa = percent_agreement(ann)
    pi = {c: np.mean([v[c] / sum(v.values()) for v in votes.values()]) for c in categories}
    pe = sum(p * (1 - p) for p in pi.values()) / (len(categories) - 1)
    return float((pa - pe) / (1 - pe))


def accuracy(ann: pd.DataFrame, gold: pd.Series) -> float:
    """Share of judgments on gold items that equal gold."""
    truth = gold.astype(str).to_dict()
    hits = [truth[i] == str(lab) for i, lab in zip(ann["item_id"], ann["label"], strict=True) if i in truth]
    return float(np.mean(hits))


def majority_accuracy_abstain(ann: pd.DataFrame, gold: pd.Series) -> float:
    """Majority-vote accuracy on gold items the vendor labelled; a tied item counts as not correct."""
    truth = gold.astype(str).to_dict()
    scores = []
    for item, votes in _votes(ann).items():
        if item in truth:
            (top, n), *rest = votes.most_common()
            tied = bool(rest) and rest[0][1] == n
            scores.append(not tied and top == truth[item])
    return float(np.mean(scores))


def majority_accuracy_fractional(ann: pd.DataFrame, gold: pd.Series) -> float:
    """Majority-vote accuracy on gold items the vendor labelled; an item whose t tied top labels include the
    gold label counts 1/t (the expectation of breaking the tie at random)."""
    truth = gold.astype(str).to_dict()
    scores = []
    for item, votes in _votes(ann).items():
        if item in truth:
            best = max(votes.values())
            top = [label for label, n in votes.items() if n == best]
            scores.append((truth[item] in top) / len(top))
    return float(np.mean(scores))


def dawid_skene_labels(ann: pd.DataFrame, categories: list[str], iterations: int = 100, tol: float = 1e-6) -> dict:
    """Dawid & Skene (1979) EM with explicit per-judgment accumulation (np.add.at), initialised from the
    majority-vote shares; stops on the relative change of the log-likelihood. Returns item -> label."""
    items, item_index = np.unique(ann["item_id"].astype(str), return_inverse=True)
    workers, worker_index = np.unique(ann["annotator_id"].astype(str), return_inverse=True)
    code = {c: i for i, c in enumerate(categories)}
    given = np.array([code[str(x)] for x in ann["label"]])
    k = len(categories)
    post = np.zeros((len(items), k))
    np.add.at(post, (item_index, given), 1.0)
    post /= post.sum(axis=1, keepdims=True)
    previous = -np.inf
    for _ in range(iterations):
        prior = post.mean(axis=0)
        conf = np.zeros((len(workers), k, k))  # worker x true x given
        for true in range(k):
            np.add.at(conf[:, true, :], (worker_index, given), post[item_index, true])
        totals = conf.sum(axis=2, keepdims=True)
        conf = np.where(totals > 0, conf / np.where(totals > 0, totals, 1), 1.0 / k)
        log_post = np.tile(np.log(prior + 1e-10), (len(items), 1))
        np.add.at(log_post, item_index, np.log(conf[worker_index, :, given] + 1e-10))
        top = log_post.max(axis=1, keepdims=True)
        weights = np.exp(log_post - top)
        post = weights / weights.sum(axis=1, keepdims=True)
        likelihood = float((top[:, 0] + np.log(weights.sum(axis=1))).sum())
        if np.isfinite(previous) and abs(likelihood - previous) <= tol * abs(previous):
            break
        previous = likelihood
    return {item: categories[int(c)] for item, c in zip(items, post.argmax(axis=1), strict=True)}
