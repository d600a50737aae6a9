"""Tuning: every threshold where the engine switches method or decides how much to take at a time.

These are not limits on the work an input may cause (those are :mod:`labeleval.limits`, each with an environment
variable) and not options a user chooses: they are the engine's own trade-offs, each named once and said here
what it trades. Unless its comment says otherwise, a threshold changes only time and memory, never a result
(the tests that hold the two sides equal are named); a module reads its thresholds from here by name, so a test
can still set one on the module that uses it.

Different meanings get different names even where the values agree (the three "rows per pass" below bound
different per-row working sets); one meaning has one name.
"""

from __future__ import annotations

from typing import Final

# ---------------------------------------------------------------- count forms (labeleval/metrics/forms.py)
#: dense items x K counts whatever the number of items up to this many labels: whole-array numpy steps, at
#: items x K x 8 bytes; above (and above the next two), the non-zero cells: memory linear in the judgments
#: (tests/metrics/test_cells.py holds the two forms to the same reports)
DENSE_MAX_LABELS: Final = 64
#: ... or dense while items x K stays within this many cells (32 MB of int64) and K within HIT_MATRIX_MAX
DENSE_MAX_CELLS: Final = 4_000_000
#: a kind's match rule is a K x K boolean matrix up to this many categories (1 MB), answered pair by pair
#: above: memory K x K against a call per lookup; the dense counts index the matrix, so they stop here too
HIT_MATRIX_MAX: Final = 1024

# ------------------------------------------------------------------ Krippendorff's alpha (metrics/agreement.py)
#: alpha's point value from the ``krippendorff`` package while pairable items x used values^2 (its working
#: set: 16 s and 1.6 GB at 6,700 items x 100 values) stays within this; above, the closed forms of
#: metrics/agreement.py in linear memory (equal to rounding: tests/metrics/test_agreement.py)
PACKAGE_MAX_CELLS: Final = 2_000_000
#: ordinal alpha resamples exact coincidence matrices (items x K^2 bootstrap columns) up to this many
#: categories; above, a resample holds the ranks at the full sample's marginals. Memory and time against an
#: exact ordinal interval: it changes the intervals of longer scales, not the point value
ORDINAL_EXACT_MAX: Final = 16
#: co-rating pairs are numbered through a dense annotators^2 index while annotators^2 x K^2 stays within this;
#: above, by sorting the pair keys: memory of the index against the sort's time
PAIR_INDEX_MAX_CELLS: Final = 50_000_000

# -------------------------------------------------------------------- resampling (labeleval/inference/blocks.py)
#: above this many units (items or annotators) the bootstrap resamples random blocks of units: units x
#: resamples weights against a variance factor of at least 0.99999; it changes the resamples above it
MAX_UNITS: Final = 2**18
#: the blocks of units resampled above MAX_UNITS: more blocks are closer to resampling units, fewer are
#: cheaper (resamples x blocks x statistics); it changes the resamples above MAX_UNITS
N_BLOCKS: Final = 2**16

# ---------------------------------------------------------------------- passes over judgments and items
#: judgments per pass of a vendor's two-way ratio sums (scoring/uncertainty.py): about ten per-judgment
#: temporaries of ~30 bytes each per pass, against the Python steps of more passes
RATIO_ROWS_PER_PASS: Final = 1 << 21
#: judgments per pass of the report cards' leave-one-out agreement and first rows (scoring/people.py): a few
#: int64 arrays per pass, against the Python steps of more passes
AGREEMENT_ROWS_PER_PASS: Final = 1 << 23
#: values per range of the annotators' median durations (scoring/annotators.py): one range's sort and copies,
#: against the Python steps of more ranges
MEDIAN_ROWS_PER_PASS: Final = 1 << 24
#: a range of median durations is sorted by key and value when it has fewer values than this many per key,
#: else each key is partially sorted on its own: one sort's n log n against a Python step per key
MEDIAN_SORT_PER_KEY: Final = 64
#: items per block of the dense matching count (scoring/statistics.py): a block x K temporary against the
#: Python steps of more blocks
MATCHING_ROWS: Final = 4096
#: dense count cells (items x K) a step copies at a time where it takes items' rows (``Counts.rows_per_pass``,
#: the leave-one-out consensus effects): 160 MB of int64 at most, against the Python steps of more passes
ROW_COPY_DENSE_CELLS: Final = 20_000_000
#: items whose non-zero cells a step copies at a time (the same, for counts held as their non-zero cells)
ROW_COPY_ITEMS: Final = 1_000_000
#: judgments per range of items whose co-rated pairs Light's kappa forms at once (scoring/pairs.py): a
#: range's pair indices, keys and sorts, against the Python steps of more ranges
LIGHT_JUDGMENTS_PER_RANGE: Final = 1 << 22
#: a vendor's annotator pairs x labels up to which Light's kappa keeps its pair sums in dense arrays
#: (scoring/pairs.py): the arrays' memory against sorting the pair keys
PAIR_SUMS_DENSE_CELLS: Final = 1 << 25

# ------------------------------------------------------------------------- redundancy (scoring/redundancy.py)
#: seeded draws averaged per point of the redundancy curve; changes the curve (draw noise against time)
REDUNDANCY_DRAWS: Final = 20
#: gold judgments x draws the curve spends at most (fewer draws, two at least, where gold is plentiful and each
#: draw exact enough); changes the curve
REDUNDANCY_DRAW_JUDGMENTS: Final = 2_000_000

# ---------------------------------------------------------------------------------- the frames' shape
#: up to this many labels the confusion frame holds every (gold, given) cell, zeros included; above, the pairs
#: that occur (a 10,000-label grid would be 10^8 rows): a complete grid against its size
CONFUSION_GRID_MAX: Final = 64
#: up to this many labels the per-class recall, precision and F1 get intervals and per-class vendor comparisons
#: (scoring/class_ratios.py); above, the point figures alone: the intervals' resamples grow with 6 x labels
#: columns per vendor, and a family of thousands of per-class tests finds nothing anyway
CLASS_INTERVALS_MAX: Final = 64
#: up to this many labels the items frame has a ``votes_<label>`` column per label; above, one text column
#: of the labels each item received: a column per label against K columns x the frame's rows
VOTE_COLUMNS_MAX: Final = 64

# --------------------------------------------------------------------------------------- planning and reading
#: sample-size plans search the exact McNemar power up to this many pairs; above, the normal approximation as
#: it stands (accurate there): the exact answer against a search over n (analyses/plan.py)
PLAN_EXACT_MAX_N: Final = 5000
#: a plan simulates pilots of at most this many gold items times the larger of the labels per item and the
#: task's labels (its arrays' size), and at least PLAN_SIMULATED_ITEMS items; above, it scales the item part
#: (the annotators' part does not shrink with items, but its estimate's noise and df terms do, so a pilot far
#: larger than the simulated one is planned too cautiously: 5 labels per item from a pool of 60 were said to
#: need more staff at 80% power, a simulation at 2,500 items reaches it): about 3 s per simulated size
PLAN_SIMULATED_WORK: Final = 12_500
PLAN_SIMULATED_ITEMS: Final = 1000
#: a comparison no size reaches in the PLAN_SIMULATED_ITEMS simulation is simulated again at the largest size
#: when its scaled curve rises to this share of the asked power (it understates the power far above the
#: simulated size); below, "never" stands without the larger simulation (the time of a plan)
PLAN_WITHIN_REACH: Final = 0.5
#: a plan reads a simulated pilot's annotator part (its excess's df terms) as that of a pilot up to this many times
#: larger (the judgment noise in the annotators' mean square shrinking with the items); beyond, as this many
#: times: its excess estimate keeps the noise of the smaller pilot, and a zero excess rescaled far would promise
#: too much (the search walks by this factor, so near the answer the rescaling is full)
PLAN_RESCALED_UP_TO: Final = 1.5
#: a plan's answer is read from the pilots of every size it simulated within this share of the answer, together:
#: one simulation's answer carries its Monte-Carlo error (about 7% of the items), and near the answer the
#: rescaled pilots of a neighbouring size agree with its own (pool of 10: 0.72 to 0.77 at 485 items from sizes
#: 452 to 632), while a size 1.5 times away is biased by a few points
PLAN_POOLED_WITHIN: Final = 0.25
#: pilots a plan scores as the report does (each one's SEs, dfs and the family's correlation): the power's
#: Monte-Carlo error (about 1 point) against the plan's time (each pilot is four scorings of its ratios)
PLAN_SCORED_PILOTS: Final = 120
#: skill draws (divided by the labels per item) for the annotators' part of consensus accuracy's variance and
#: its mean in a plan: the Monte-Carlo error of that part (about 3% of it) against a fraction of a second
PLAN_POPULATION_DRAWS: Final = 40_000
#: simulated pilots a plan resamples as the report does for the family's max-T critical value, and the resamples
#: of each (the report's default): the critical value's Monte-Carlo error (about 0.007 between simulated sizes;
#: 0.03, about 1.5 points of power, with 4 pilots) against about 0.8 s per simulated size
PLAN_CRITICAL_PILOTS: Final = 16
PLAN_RESAMPLES: Final = 1000
#: the seed of a plan's simulations: the same plan for the same inputs
PLAN_SEED: Final = 20240601
#: bytes of a file's head read to recognise a vendor's native format (io/formats/): a longer look against
#: reading more of every file twice
FORMAT_SNIFF_BYTES: Final = 1 << 20
#: rows (records) sampled to profile a table's columns when guessing which is which (io/formats/): a steadier
#: guess against its time on a large table
PROFILE_SAMPLE_ROWS: Final = 2000
#: bytes of an XLSX sheet's XML inflated at a time while its cell references are scanned, before decoding
#: (io/xlsx.py): the scan's memory against its number of steps
XLSX_SCAN_BYTES: Final = 4 * 2**20
#: an XLSX sheet whose rectangle (first to last referenced cell) holds more cells than this is read by rows,
#: only the mapped columns kept (openpyxl, about 7x slower); below it calamine reads it whole, about 40 bytes
#: a cell (io/xlsx.py): speed against a memory peak proportional to the rectangle
XLSX_CALAMINE_CELLS: Final = 5_000_000
#: ... or whose rectangle holds more than this many times its cells (plus 65,536): a sparse sheet, whose empty
#: rectangle calamine would allocate and pandas turn into blank rows
XLSX_SPARSE: Final = 4
#: bytes (after decompression) a value of a Parquet list, map or struct column is counted as against the
#: decoded-size limit, on top of its own bytes: a nested value becomes a Python object and then JSON text
#: (io/readers.py)
PARQUET_NESTED_VALUE_BYTES: Final = 48


# ------------------------------------------------------------------------------ reading (labeleval/io)
#: JSONL, CSV and TSV files larger than this are read in blocks of about this many bytes (whole lines) by the
#: chunked engines: memory per chunk against the number of chunks (tests/io/test_pipeline.py holds blocks and
#: whole files to the same Dataset)
TEXT_BLOCK_BYTES: Final = 128 * 2**20
#: ``engine="auto"`` streams when the vendor files hold more than this many bytes on disk (or a vendor path is
#: a folder or glob); below it the in-memory engine is used: speed against a memory peak near the rows' size
AUTO_STREAM_BYTES: Final = 1_000_000_000
#: ... or when their Parquet footers count more than this many rows: Parquet compresses well (the 1e8-judgment
#: benchmark project is 0.5 GB of files, and the in-memory engine peaked at 11.5 GB on it; 1.7 GB at 1e7)
AUTO_STREAM_ROWS: Final = 2**25


# ------------------------------------------------------------------------------ gold audit (labeleval/analyses)
#: gold items with more judgments than this are tested on the tail of their gold votes alone, not
#: on the lead of the most-voted other label (exact, but its cost grows with the square of the judgments): that
#: tail is the larger p-value, so such items lose a little power, never error control
AUDIT_JOINT_MAX_JUDGMENTS: Final = 200
#: the null's ordinary and hard components are each widened (their logit sd raised, the rest held) until the
#: log-likelihood falls this far below its maximum: about the estimate + 1.4 standard errors, towards the
#: heaviest tail of no right votes the data allow, since the wrong-gold component can take the hardest correct
#: items and leave the null too light there. Raising it flags fewer items, wrong and correct alike: at 2 (2 SE)
#: a simulated project with 8 wrong gold among 300 at 9 judgments an item had none found, 7 at 1. Holm's share
#: found of 3 wrong gold among 300 without hard items / projects with a false flag with 10% hard items at 15
#: judgments an item (benchmarks/calibration_audit.py, 100 projects): 59% / 3% at 1, 64% / 4% at 0.5, 71% / 9% at 0
#: (no widening, which also accuses an ambiguous item of sample_data/ticket_pilot); the oracle null's: 84% / 0%
AUDIT_NULL_WIDEN_LOGLIK: Final = 1.0

#: a vendor whose Dawid-Skene consensus is the chosen one is refitted once without each of its annotators, up to
#: this many annotators, and its interval counts each annotator's influence with the model refitted (its
#: confusions and priors move with who is left); above, the fit is held and each vote removed alone: annotators
#: x one fit's time against an annotator part that misses the refit; changes the intervals
DS_REFIT_ANNOTATORS: Final = 100
#: ... and while annotators x the vendor's judgments stay within this (each refit is one more fit: about 2 us
#: a judgment, so at most about 10 s a vendor); above, the fit is held; changes the intervals
DS_REFIT_WORK: Final = 5_000_000

# ------------------------------------------------ replacement and watching (analyses/replacement.py, sequential.py)
#: the alternative annotator test counts a held-out annotator only with at least this many items (the paper's
#: floor for its t-test's normal approximation) and needs at least this many such annotators (its advice:
#: with two, the test only asks which of the two the candidate is closer to); changes results
ALT_MIN_ITEMS: Final = 30
ALT_MIN_ANNOTATORS: Final = 3
#: the candidate passes when it wins against at least this share of the annotators tested (the paper's omega)
ALT_MIN_WINNING_RATE: Final = 0.5
#: the handicap epsilon where the user gives none: this much times the share of the incumbent's cost per usable
#: label the candidate saves (the paper suggests 0.2 for experts, 0.15 skilled workers, 0.1 crowd workers), and
#: the value taken when either vendor's cost per usable label is unknown; changes results
ALT_EPSILON_MAX: Final = 0.2
ALT_EPSILON_UNKNOWN_COST: Final = 0.1
#: the equivalence margin of gold accuracy (TOST) beside the replacement test, in accuracy points; changes results
EQUIVALENCE_MARGIN: Final = 0.05
#: the watched pilot's defaults: the margin within which two vendors' gold accuracies count as equivalent, and the
#: confidence of the sequences; changes results
WATCH_DELTA: Final = 0.05
WATCH_CONFIDENCE: Final = 0.95
#: the watched pilot's margin for cost per usable label: two vendors' costs count as equivalent when their ratio
#: lies within 1 / (1 + margin) and 1 + margin (0.1: within 10%); changes results
WATCH_COST_MARGIN: Final = 0.10
#: the confidence sequences' mixture is tuned to be tightest after this many items (any value keeps them valid;
#: a pilot much larger or smaller gets slightly wider sequences); changes results
WATCH_TUNED_AT: Final = 500
#: the cost per usable label's sequences are tuned for fewer units: the annotators' part of their variance
#: (under hourly pay, how fast each annotator works) caps their effective number of units near the annotators'
#: (tuned at 500, vendors whose hourly rates differ 2x were told apart in 41% of simulated 30-day pilots, at 100
#: in 93%, with no more false claims; benchmarks/calibration_watch.py); any value keeps them valid; changes results
WATCH_COST_TUNED_AT: Final = 100
#: the app's Overview shows the watched pilot's status up to this many judgments: it reads the judgments again
#: (the cached Report does not keep them), which above this takes seconds and holds them in the server's memory;
#: a larger project's watch is on the Replace & watch page. Does not change results
OVERVIEW_WATCH_MAX_JUDGMENTS: Final = 1_000_000

# ------------------------------------------------------------------ the evidence an agreement figure needs
#: an agreement coefficient built on fewer items with two or more judgments than this is shown as "—" with the
#: reason (le.agreement_table, the Agreement page, the verdict): a figure against one too thin to read
MIN_AGREEMENT_ITEMS: Final = 10
#: Light's kappa (a mean over annotator pairs sharing 10 or more items) is shown as "—" with the reason where
#: those pairs cover fewer than this share of the annotators: one pair of two annotators out of 190 says
#: nothing about the other 188
MIN_PAIR_COVERAGE: Final = 0.5
#: a category's kappa against the rest (le.category_agreement, the Report's per-label agreement) is shown as "—"
#: with the reason where fewer items than this have two or more judgments giving the category: a label a sample
#: holds on one or two items has a kappa near 0 with a narrow interval whatever the population's (at 30 items and
#: 10% prevalence a fifth of samples; with the floor every interval shown covers 93-97% in
#: benchmarks/coverage_agreement.py); changes results
MIN_CATEGORY_ITEMS: Final = 4

# ------------------------------------------------------------------ graded written work (analyses/graded.py)
#: a rubric criterion whose reviewers agree less than this (Krippendorff's alpha, ordinal for points, nominal for
#: pass/fail; Krippendorff's own floor for tentative conclusions) is reported but kept out of the verdict and of the
#: weighted score the verdict compares: reviewers who do not agree on a criterion cannot rank vendors on it;
#: changes results
GRADED_MIN_ALPHA: Final = 0.667
#: reviewers count as unbalanced across vendors when the reviewer x vendor table of reviews has a Cramer's V at or
#: above this (about 0.06 is what random assignment of 3 of 8 reviewers to 600 deliverables gives); the report
#: then warns that raw scores mix vendor quality with which reviewers each vendor drew; changes a warning only
GRADED_IMBALANCE_V: Final = 0.15
#: normal draws behind the graded family's max-T (its covariance is in closed form; the draws only set the
#: critical value), when the evaluation's n_boot is smaller; changes the p-values' resolution
GRADED_MIN_DRAWS: Final = 2000
#: draws of the reviewers' severities from their estimate's sampling law behind the severity-adjusted acceptance
#: rate's interval (acceptance is a step in the severities, so their noise is counted by redrawing them and
#: re-accepting every deliverable); changes the intervals' resolution
GRADED_SEVERITY_DRAWS: Final = 200
#: a judge (an LLM judge, say) can stand in for the panel's reviewers on a criterion when the alternative annotator
#: test (analyses/replacement.py) finds it at least as close to the other reviewers as each held-out reviewer on
#: all but this share of the deliverables (the handicap epsilon of the test; the paper suggests 0.2 for experts,
#: 0.15 for skilled workers, 0.1 for crowd workers: the lower, the stricter); changes results
GRADED_JUDGE_EPSILON: Final = 0.1
