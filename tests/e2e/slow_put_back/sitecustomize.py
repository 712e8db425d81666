"""Loaded by the Python of a test's Streamlit server (PYTHONPATH): the record's run that puts back what a tab kept
takes 1.5 s more after its notes, before its follow-up form, as on a busy server. In that time the tab, seeing the
note put back, reports again, and Streamlit starts a newer run before the first has drawn the follow-up's person
(tests/e2e/test_record_trust_browser.py). Nothing here is imported by the product."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the project root, as `streamlit run` has it

import streamlit as st  # noqa: E402

import ui.record  # noqa: E402

_follow_up = ui.record._follow_up


def _slow_follow_up(rec) -> None:
    if st.session_state.get("_typed_said"):  # a run that put something back (its message is up)
        time.sleep(1.5)
    _follow_up(rec)


if os.environ.get("GSF_E2E_SLOW_PUT_BACK"):
    ui.record._follow_up = _slow_follow_up
