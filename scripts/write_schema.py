"""Regenerate curricula/schema.json from the curriculum model.

Run from the project root:  uv run python scripts/write_schema.py
Editors that understand `# yaml-language-server: $schema=./schema.json` then check curriculum YAML as you type.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.curriculum import CURRICULA_DIR, json_schema  # noqa: E402


def main() -> int:
    target = CURRICULA_DIR / "schema.json"
    text = json_schema()
    if target.exists() and target.read_text(encoding="utf-8") == text:
        print(f"{target.relative_to(ROOT)} is up to date")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
