"""scripts/first_load.py without a browser: its report on fixed numbers, and its arguments."""

import pytest

from scripts.first_load import Load, main, report


def _loads(*shown: float) -> list[Load]:
    return [Load(shown=x, html=10, first=x - 200, fin=x - 100, kb=5) for x in shown]


def test_report_ratios_and_verdicts():
    bare = _loads(900, 1000, 1100)
    lines, ok = report({"/live": _loads(1900, 2000, 2100), "record": _loads(2100, 2200, 2300)}, bare,
                       rounds=3, header="head")
    text = "\n".join(lines)
    assert not ok
    live = next(x for x in lines if x.startswith("/live"))
    record = next(x for x in lines if x.startswith("record"))
    assert live.split()[1:2] == ["2000"] and live.endswith("2.00  ok")
    assert record.endswith("2.20  MISS")
    assert "bare page (its heading)             1000" in text
    assert "3 loads of each page, 3 of the bare page" in text


def test_report_all_ok():
    _, ok = report({"home": _loads(1000, 1200)}, _loads(1000, 1000), rounds=2, header="")
    assert ok


def test_rounds_must_be_positive():
    with pytest.raises(SystemExit):
        main(["--rounds", "0"])
