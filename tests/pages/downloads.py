"""Open the files a page offers through ui.downloads.prepare ("Prepare …" button, then a link to /download/<token>):
the `downloads` fixture presses the button for a file on the page the test ran last and catches what it put in the
download store, so a test can read the file it would download."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui import downloads as dl


class Downloads(dict):
    """file name -> bytes of each file a page prepared in this test; `offered`: button key -> file name, as the
    last run drew them."""

    def __init__(self) -> None:
        super().__init__()
        self.offered: dict[str, str] = {}
        self.at: AppTest | None = None

    def data(self, file_name: str) -> bytes:
        if file_name not in self:
            keys = [k for k, name in self.offered.items() if name == file_name]
            assert keys and self.at is not None, f"{file_name} is not offered; offered: {sorted(self.offered.values())}"
            at = self.at
            at.button(key=keys[0]).click().run()
            assert not at.exception, at.exception
            assert not at.error, [e.value for e in at.error]
        return self[file_name]

    def named(self, part: str) -> list[str]:
        """The offered files whose name contains `part`."""
        return sorted(n for n in self.offered.values() if part in n)


@pytest.fixture
def downloads(monkeypatch) -> Downloads:
    got = Downloads()
    run, prepare, put = AppTest.run, dl.prepare, dl.DownloadStore.put

    def running(self, *args, **kw):
        got.at = self
        got.offered.clear()
        return run(self, *args, **kw)

    def preparing(label, build, *, file_name, key, **kw):
        got.offered[key] = file_name
        return prepare(label, build, file_name=file_name, key=key, **kw)

    def putting(self, data, *, file_name, **kw):
        got[file_name] = data
        return put(self, data, file_name=file_name, **kw)

    monkeypatch.setattr(AppTest, "run", running)
    monkeypatch.setattr(dl, "prepare", preparing)
    monkeypatch.setattr(dl.DownloadStore, "put", putting)
    return got
