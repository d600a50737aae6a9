"""Streamlit entry point: `streamlit run app.py [-- PROJECT]` (or `make app`). Navigation and wiring only."""

from labeleval.ui.app import main

main()
