"""Consensus labels per item: majority vote with an explicit tie policy.

Ties are never broken silently: ``abstain`` (default here) leaves the item without a consensus label
(counted as unresolved); ``fractional`` (the default of ``evaluate()``) also leaves it without a label,
and scores it ``1/t`` when the right label is among its ``t`` tied labels
(:meth:`labeleval.metrics.forms.Counts.tie_credit`);
``lowest`` takes the first tied label in the declared order, ``random`` picks
uniformly among the tied labels with a seeded generator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from labeleval.errors import SchemaError
from labeleval.limits import current as current_limits
from labeleval.metrics.counts import check_frame, check_ids, count_matrix, counts_from_codes, label_codes
from labeleval.metrics.forms import DenseCounts


@dataclass(frozen=True)
class Consensus:
    """Consensus labels. ``labels`` is indexed by ``item_id`` with columns ``label`` (missing where
    unresolved), ``confidence`` (majority vote: share of judgments for the consensus label; Dawid-Skene:
    its posterior probability) and ``n_judgments``.

    Dawid-Skene also fills ``posteriors`` (items x labels), ``confusions`` (one row per annotator, true
    label and given label, with the probability), ``priors`` (class prevalence), ``n_iter``,
    ``converged`` and ``log_likelihood``.
    """

    labels: pd.DataFrame
    method: str
    tie: str = "abstain"
    posteriors: pd.DataFrame | None = None
    confusions: pd.DataFrame | None = None
    priors: pd.Series | None = None
    n_iter: int = 0
    converged: bool = True
    log_likelihood: float = float("nan")

    @property
    def unresolved(self) -> int:
        return int(self.labels["label"].isna().sum())


def majority_vote(
    annotations: pd.DataFrame,
    *,
    tie: str = "abstain",
    seed: int | None = None,
    labels: Sequence[object] | None = None,
) -> Consensus:
    """Majority vote per item.

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2], "annotator_id": list("abcab"),
    ...                    "label": ["x", "x", "y", "x", "y"]})
    >>> le.majority_vote(df).labels["label"].tolist()  # item 2 is a tie: abstain
    ['x', nan]
    >>> le.majority_vote(df, tie="lowest").labels["label"].tolist()
    ['x', 'x']
    """
    counts = count_matrix(annotations, labels)
    rng = np.random.default_rng(seed) if tie == "random" else None
    if tie == "random" and seed is None:
        raise SchemaError("tie='random' needs seed=... so that the result is reproducible")
    code, confidence, _ = DenseCounts(counts.n).majority(tie=tie, rng=rng)
    cats = np.asarray([*counts.categories, None], dtype=object)
    frame = pd.DataFrame(
        {"label": cats[code], "confidence": confidence, "n_judgments": counts.m},
        index=pd.Index(counts.items, name="item_id"),
    )
    return Consensus(labels=frame, method="majority_vote", tie=tie)


# ------------------------------------------------------------------------------------- Dawid-Skene
LOG_EPS = 1e-10  # floor inside log() for confusion cells never observed (as crowd-kit)


@dataclass(frozen=True)
class DawidSkeneFit:
    """Result of :func:`dawid_skene_codes`, on integer codes."""

    posteriors: np.ndarray  # items x K
    confusions: np.ndarray  # annotators x K (true) x K (given)
    priors: np.ndarray  # K
    n_iter: int
    converged: bool
    log_likelihood: float


def dawid_skene_fits(n_annotators: int, k: int) -> bool:
    """Whether a Dawid-Skene fit on ``n_annotators`` x ``k`` labels is within the ``dawid_skene_cells`` limit
    (its confusion matrices hold annotators x K x K numbers)."""
    return n_annotators * k * k <= current_limits().dawid_skene_cells


def dawid_skene_codes(
    item_codes: np.ndarray,
    annotator_codes: np.ndarray,
    label_codes_: np.ndarray,
    n_items: int,
    n_annotators: int,
    k: int,
    *,
    max_iter: int = 100,
    tol: float = 1e-6,
    gold_codes: np.ndarray | None = None,
) -> DawidSkeneFit:
    """Dawid & Skene (1979) EM on integer codes, vectorised.

    Judgments are grouped by (annotator, given label); one sparse incidence matrix ``A`` (pairs x items)
    then gives the M-step (``A @ T``: expected counts of each true class per annotator and given label)
    and the E-step (``A.T @ log(pi)``: each item's log-likelihood per true class) as two sparse products,
    with no Python loop over rows or items. Initialised from majority-vote shares, in log space; stops when
    the relative change of the log-likelihood falls below ``tol`` or at ``max_iter``. ``gold_codes``
    (per item, -1 where unknown) clamps those items' posteriors to their gold label.
    """
    current_limits().check("dawid_skene_cells", n_annotators * k * k, "Dawid-Skene")

    n_pairs = n_annotators * k
    # int32 indices where they fit (SciPy keeps them as given; int64 would be copied down): the same matrix
    index = np.dtype(np.int32) if max(n_pairs, n_items) < 2**31 else np.dtype(np.int64)
    pair = annotator_codes.astype(index) * k + label_codes_.astype(index, copy=False)
    # one incidence matrix, items x (annotator, given label), CSR: the E-step multiplies by it, the M-step by its
    # transpose as a CSC view. Both walk the items in order and add into a small (pairs or classes) array, the
    # same sums in the same order as a pairs x items copy would give, bit for bit, at a sixth of its M-step's
    # time at 1e7 judgments and without the second copy (0.4 GB per vendor at 1e8)
    incidence_t = sparse.csr_matrix(
        (np.ones(len(pair)), (item_codes.astype(index, copy=False), pair)), shape=(n_items, n_pairs)
    )
    incidence = incidence_t.T
    del pair
    votes = counts_from_codes(item_codes, label_codes_, n_items, k).astype(np.float64)
    m = votes.sum(axis=1, keepdims=True)
    posteriors = np.where(m > 0, votes / np.maximum(m, 1), 1.0 / k)
    clamp = gold_codes is not None and bool((gold_codes >= 0).any())
    if clamp:
        assert gold_codes is not None
        known = gold_codes >= 0
        posteriors[known] = np.eye(k)[gold_codes[known]]
    previous = -np.inf
    log_likelihood = -np.inf
    converged = False
    iteration = 0
    post_t = np.ascontiguousarray(posteriors.T)  # classes x items: reductions run along the long axis
    del votes, m, posteriors  # three items x K arrays fewer during the iterations
    priors = post_t.mean(axis=1)
    conf = np.full((n_annotators, k, k), 1.0 / k)
    for iteration in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        # M-step: class priors and each annotator's confusion matrix (rows: true class)
        priors = post_t.mean(axis=1)
        expected = np.asarray(incidence @ post_t.T)  # (annotator, given) x true
        conf = expected.reshape(n_annotators, k, k).transpose(0, 2, 1)  # annotator x true x given
        totals = conf.sum(axis=2, keepdims=True)
        conf = np.where(totals > 0, conf / np.where(totals > 0, totals, 1.0), 1.0 / k)
        # E-step: log posterior of each true class, from every judgment on the item
        log_conf = np.log(conf + LOG_EPS).transpose(0, 2, 1).reshape(n_pairs, k)  # (annotator, given) x true
        log_post = np.ascontiguousarray(np.asarray(incidence_t @ log_conf).T)  # classes x items
        log_post += np.log(priors + LOG_EPS)[:, None]
        top = log_post.max(axis=0)
        log_post -= top
        np.exp(log_post, out=log_post)
        total = log_post.sum(axis=0)
        post_t = log_post / total
        if clamp:
            post_t[:, known] = np.eye(k)[gold_codes[known]].T  # type: ignore[index]
        log_likelihood = float((top + np.log(total)).sum())
        if np.isfinite(previous) and abs(log_likelihood - previous) <= tol * abs(previous):
            converged = True
            break
        previous = log_likelihood
    posteriors = np.ascontiguousarray(post_t.T)
    return DawidSkeneFit(posteriors, conf, priors, iteration, converged, log_likelihood)


def dawid_skene(
    annotations: pd.DataFrame,
    *,
    max_iter: int = 100,
    tol: float = 1e-6,
    gold: pd.Series | None = None,
    labels: Sequence[object] | None = None,
) -> Consensus:
    """Dawid-Skene truth inference: each annotator gets a confusion matrix, each item a posterior.

    EM initialised from majority-vote shares, computed in log space, stopping on the relative change of the
    log-likelihood (``tol``) or at ``max_iter`` (Dawid & Skene 1979). With ``gold`` (a Series of gold
    labels indexed by item_id), gold items are clamped to their gold label, which sharpens the annotator
    confusion matrices; do not clamp when you then measure accuracy on the same gold.
    Repeated judgments by one annotator on one item count as separate observations.

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2], "annotator_id": list("abcabc"),
    ...                    "label": ["x", "x", "y", "y", "y", "y"]})
    >>> le.dawid_skene(df).labels["label"].tolist()
    ['x', 'y']
    """

    check_frame(annotations)
    check_ids(annotations)
    if max_iter < 1:
        raise SchemaError(f"max_iter must be at least 1; got {max_iter}")
    frame = annotations.loc[annotations["label"].notna()]
    codes, cats = label_codes(frame["label"], labels)
    item_codes, items = pd.factorize(frame["item_id"], sort=True)
    annotator_codes, annotators = pd.factorize(frame["annotator_id"])
    k = len(cats)
    fit = dawid_skene_codes(
        item_codes,
        annotator_codes,
        codes,
        len(items),
        len(annotators),
        k,
        max_iter=max_iter,
        tol=tol,
        gold_codes=None if gold is None else _gold_codes(gold, cats, items),
    )
    return _fitted_consensus(fit, cats, pd.Index(items, name="item_id"), annotators, item_codes)


def _gold_codes(gold: pd.Series, cats: list[object], items: pd.Index) -> np.ndarray:
    """Each item's gold label as a code into ``cats`` (-1 without gold); gold is matched to items by id text."""
    gold = gold.dropna()
    g_codes, _ = label_codes(gold.astype(object), cats)
    lookup = pd.Series(g_codes, index=pd.Index(gold.index).astype("str"))
    return lookup.reindex(pd.Index(items).astype("str")).fillna(-1).to_numpy(dtype=np.int64)


def _fitted_consensus(
    fit: DawidSkeneFit, cats: list[object], index: pd.Index, annotators: pd.Index, item_codes: np.ndarray
) -> Consensus:
    """The public :class:`Consensus` frames of a fit: labels, posteriors, confusions per annotator, priors."""
    k = len(cats)
    n_annotators = len(annotators)
    names = [str(c) for c in cats]
    best = fit.posteriors.argmax(axis=1)
    labels_frame = pd.DataFrame(
        {
            "label": np.asarray(cats, dtype=object)[best],
            "confidence": fit.posteriors.max(axis=1),
            "n_judgments": np.bincount(item_codes, minlength=len(index)),
        },
        index=index,
    )
    a_idx, t_idx, g_idx = np.meshgrid(np.arange(n_annotators), np.arange(k), np.arange(k), indexing="ij")
    confusions = pd.DataFrame(
        {
            "annotator_id": np.asarray(annotators, dtype=object)[a_idx.ravel()],
            "true_label": np.asarray(names, dtype=object)[t_idx.ravel()],
            "label": np.asarray(names, dtype=object)[g_idx.ravel()],
            "probability": fit.confusions.ravel(),
        }
    )
    return Consensus(
        labels=labels_frame,
        method="dawid_skene",
        tie="none",
        posteriors=pd.DataFrame(fit.posteriors, index=index, columns=names),
        confusions=confusions,
        priors=pd.Series(fit.priors, index=names, name="prior"),
        n_iter=fit.n_iter,
        converged=fit.converged,
        log_likelihood=fit.log_likelihood,
    )
