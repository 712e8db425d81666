"""Catch what a page offers with st.download_button, so a test can open the file it would download."""

from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager


class Downloads(dict):
    """file name -> bytes-producing callable (deferred downloads) or bytes (immediate ones)."""

    def data(self, file_name: str) -> bytes:
        got = self[file_name]
        out = got() if callable(got) else got
        return out.encode() if isinstance(out, str) else out

    def named(self, part: str) -> list[str]:
        return sorted(n for n in self if n and part in n)


@pytest.fixture
def downloads(monkeypatch) -> Downloads:
    got = Downloads()
    add_deferred, add = MediaFileManager.add_deferred, MediaFileManager.add

    def deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        got[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    def immediate(self, path_or_data, mimetype, coordinates, file_name=None, **kw):
        if file_name:
            got[file_name] = path_or_data
        return add(self, path_or_data, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", deferred)
    monkeypatch.setattr(MediaFileManager, "add", immediate)
    return got
