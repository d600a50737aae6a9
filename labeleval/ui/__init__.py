"""The Streamlit app (the only package that imports streamlit)."""

from pathlib import Path


def entry_script() -> Path:
    """The script ``streamlit run`` executes (``labeleval/ui/streamlit_app.py``)."""
    return Path(__file__).with_name("streamlit_app.py")


#: The prefix of an upload's temporary folder (``ui/upload.py``); the project chooser names such a project by its
#: task, not by the folder's random name.
UPLOAD_PREFIX = "labeleval_upload_"
