"""The pilot's next questions, built on the scoring: gold audit, sample sizes, slices, drift."""
