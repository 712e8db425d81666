"""Fixtures shared by the page tests."""

from tests.pages.downloads import downloads  # noqa: F401  (the `downloads` fixture)
