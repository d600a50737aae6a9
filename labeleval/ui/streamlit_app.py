"""Entry script for ``streamlit run`` (used by ``labeleval app``); the repository's app.py does the same."""

from labeleval.ui.app import main

main()
