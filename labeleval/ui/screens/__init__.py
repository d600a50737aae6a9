"""Pages of the app, one module per page. Each reads the shared Report and draws it; none computes a
metric. ``ui/app.py`` imports a page's module only when that page is shown (cold render).

Formatting comes from :mod:`labeleval.fmt`, display names from :mod:`labeleval.present.glossary`; every number
comes from ``evaluate()``.
"""

from __future__ import annotations

#: (module, title, icon, url path) of every page, in navigation order.
PAGES = (
    ("overview", "Overview", ":material/leaderboard:", "overview"),
    ("comparisons", "Comparisons", ":material/compare_arrows:", "comparisons"),
    ("agreement", "Agreement", ":material/handshake:", "agreement"),
    ("accuracy", "Accuracy", ":material/target:", "accuracy"),
    ("cost", "Cost", ":material/payments:", "cost"),
    ("annotators", "Annotators", ":material/groups:", "annotators"),
    ("items", "Items", ":material/search:", "items"),
    ("questions", "Slices & time", ":material/timeline:", "slices"),
    ("decisions", "Replace & watch", ":material/swap_horiz:", "decisions"),
    ("data", "Data", ":material/database:", "data"),
)
