"""The one formatting module: every surface writes a percent, a price, an interval and a p-value alike."""

from __future__ import annotations

import math

import pytest

from labeleval import fmt
from labeleval.present import glossary


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, "< 0.001"), (5.5e-31, "< 0.001"), (0.000999, "< 0.001"), (0.001, "0.001"), (0.0042, "0.004"),
     (0.0449, "0.04"), (0.13249, "0.13"), (1.0, "1.00"), (math.nan, "—"), (None, "—")],
)  # fmt: skip
def test_p_values_never_print_in_scientific_notation(value: float | None, expected: str) -> None:
    assert fmt.p_value(value) == expected
    assert "e-" not in fmt.p_phrase(value) and "e+" not in fmt.p_phrase(value)


def test_p_phrase_reads_inside_a_sentence() -> None:
    assert fmt.p_phrase(0.0) == "adjusted p < 0.001"
    assert fmt.p_phrase(0.004, adjusted=False) == "p = 0.004"
    assert fmt.p_phrase(math.nan) == "adjusted p not available"


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [(0.0849, "USD", "$0.085"), (0.0849, "EUR", "€0.085"), (0.0849, "GBP", "£0.085"), (0.0849, "CHF", "0.085 CHF"),
     (2.444, "USD", "$2.444"), (12.345, "EUR", "€12.35"), (0.00123, "USD", "$0.00123"), (-0.25, "USD", "-$0.250"),
     (0.0, "USD", "$0.00"), (math.inf, "USD", "—")],
)  # fmt: skip
def test_money_in_the_projects_currency_with_three_significant_figures(
    value: float, currency: str, expected: str
) -> None:
    assert fmt.money(value, currency) == expected


def test_totals_have_two_decimals_and_separators() -> None:
    assert fmt.money(4888.149861, "USD", total=True) == "$4,888.15"
    assert fmt.money(1320, "EUR", total=True) == "€1,320.00"
    assert fmt.money(660.264, "CHF", total=True) == "660.26 CHF"


def test_intervals_compact_and_in_prose() -> None:
    assert fmt.ci(0.7778, 0.752, 0.8033, "pct") == "77.8% [75.2, 80.3]"
    assert fmt.ci(0.0849, 0.0822, 0.0878, "money", "EUR") == "€0.085 [0.082, 0.088]"
    assert fmt.ci(0.371, 0.351, 0.390) == "0.371 [0.351, 0.390]"
    assert fmt.ci(0.371, math.nan, math.nan) == "0.371"  # no interval: the estimate alone
    assert fmt.ci(math.nan, 0.1, 0.2, "pct") == "—"
    assert fmt.ci_phrase(0.924, 0.907, 0.941, "pct") == "92.4% [90.7% to 94.1%]"
    assert fmt.ci_phrase(0.0849, 0.0822, 0.0878, "money", "GBP") == "£0.085 [£0.082 to £0.088]"


def test_counts_seconds_percent_and_blank() -> None:
    assert fmt.count(21994) == "21,994"
    assert fmt.count(math.nan) == "—"
    assert fmt.seconds(41.25) == "41.2 s"
    assert fmt.seconds(95) == "1.6 min"
    assert fmt.seconds(7200) == "2.0 h"
    assert fmt.pct(1.0) == "100.0%"
    assert fmt.confidence_level(0.95) == "95%" and fmt.confidence_level(0.975) == "97.5%"
    for blank in (None, math.nan, math.inf, float("-inf")):
        assert fmt.is_blank(blank)
    assert not fmt.is_blank("text") and not fmt.is_blank(0)


def test_vega_axis_labels_carry_the_currency() -> None:
    assert fmt.vega_money_expr("EUR") == "'€' + format(datum.value, ',.2f') + ''"
    assert fmt.vega_money_expr("CHF", 3) == "'' + format(datum.value, ',.3f') + ' CHF'"


def test_glossary_names_every_summary_and_cost_column(sample_report) -> None:
    for frame in (sample_report.summary, sample_report.cost, sample_report.annotators, sample_report.redundancy):
        for column in frame.columns:
            name = glossary.column_name(str(column))
            assert "_" not in name, column  # a person never reads a snake_case name
    for metric in sample_report.agreement["metric"].unique():
        assert "_" not in glossary.metric_name(str(metric))


def test_display_frame_formats_by_unit_and_explains_blanks(sample_report) -> None:
    shown = glossary.display_frame(sample_report.cost[["vendor", "total_cost", "usable_rate", "currency"]])
    assert list(shown.columns) == ["Vendor", "Total cost", "Usable rate", "Currency"]
    assert shown["Total cost"].iloc[0].startswith("$") and shown["Usable rate"].iloc[0].endswith("%")
    agreement = glossary.display_frame(sample_report.agreement)
    light = agreement[agreement["Metric"].str.startswith("Light")]
    assert "—" in light["Value"].tolist()  # Scale: no two annotators share 10 items
    assert glossary.blank_reason("value", "light_kappa").startswith("no two")
    assert glossary.blank_reason("value", "x", note="a tie left unresolved") == "a tie left unresolved"


def test_settings_words_follow_the_method_actually_used() -> None:
    assert glossary.consensus_description({"consensus_method": "dawid_skene", "tie": "abstain"}) == "Dawid-Skene"
    assert glossary.consensus_description({"consensus_method": "majority_vote", "tie": "abstain"}) == (
        "majority vote, ties left unresolved"
    )
    assert glossary.accuracy_name({"tolerance": 0}) == "Accuracy on gold"
    assert glossary.usability_words({"usability": "gold", "tolerance": 1}).startswith("within ±1 of gold")
    assert glossary.vote_name({"kind": "ordinal"}) == "median"
    # a rating scale's consensus is its median, whatever "majority_vote" the settings carry; ties do not apply
    likert = {"kind": "ordinal", "consensus_method": "majority_vote", "tie": "fractional"}
    assert glossary.consensus_description(likert) == "median"
    assert glossary.consensus_name({"kind": "multilabel"}) == "per-label majority vote"
