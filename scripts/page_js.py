"""JavaScript shared by the browser runs (scripts/latency.py, scripts/first_load.py)."""

# `finishes(data)`: whether a message from Streamlit's WebSocket is the server's "script finished" (ForwardMsg
# field 6, script_finished; only the top-level fields are read). A run's start and end can fall in one render,
# so the page's own script-state attribute may never show "running"; this message always comes.
FINISHES_JS = """
  const finishes = (data) => {
    if (!(data instanceof ArrayBuffer)) return false;
    const b = new Uint8Array(data);
    let i = 0;
    const varint = () => {
      let v = 0, m = 1;
      for (;;) { const x = b[i++]; v += (x & 127) * m; m *= 128; if (x < 128 || i >= b.length) return v; }
    };
    while (i < b.length) {
      const tag = varint(), field = Math.floor(tag / 8), type = tag % 8;
      if (field === 6 && type === 0) return true;
      // the length first: `i += varint()` would add it to the position before the length was read
      if (type === 0) varint(); else if (type === 2) { const n = varint(); i += n; } else if (type === 1) i += 8;
      else if (type === 5) i += 4; else return false;
    }
    return false;
  };
"""
