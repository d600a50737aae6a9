"""What several test modules share: paths to the repository's data, generated projects, independent
computations (oracles) and the drivers of the app under AppTest and in a real browser.

Test modules import from here (``from tests.helpers.paths import DATA``), never from one another; fixtures
live in the ``conftest.py`` files.
"""
