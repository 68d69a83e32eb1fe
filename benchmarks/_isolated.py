"""Run one benchmark contender in a fresh interpreter and measure it: wall s, CPU s, peak RSS.

Every contender gets its own process, so peak RSS (``ru_maxrss``) is its own, not the
largest of everything run before it. In the child: ``state = prepare(*args)`` (untimed:
loading inputs), one untimed warm-up call ``func(state)`` (imports, first-call caches),
then one timed call. ``func`` returns something JSON-serialisable (the answer, so the
parent can check contenders agree).

Used by the benchmark scripts::

    from _isolated import run
    r = run(__file__, "vectorised", args=[10_000], prepare="make_calls")
    r["wall"], r["cpu"], r["peak_mb"], r["result"]
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(script: str | Path, func: str, *, args: list | None = None, prepare: str | None = None,
        warm: bool = True) -> dict:
    """``script``'s ``func`` measured in a fresh interpreter; a dict with wall, cpu, peak_mb, result."""
    cmd = [sys.executable, __file__, str(script), func, json.dumps(args or []), prepare or "", str(int(warm))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{func} failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _child(script: str, func: str, args_json: str, prepare: str, warm: str) -> None:
    spec = importlib.util.spec_from_file_location("bench_module", script)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["bench_module"] = mod
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    args = json.loads(args_json)
    state = getattr(mod, prepare)(*args) if prepare else args
    fn = getattr(mod, func)
    if warm == "1":
        fn(state)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    result = fn(state)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": r1.ru_maxrss / 1024, "result": result}))


if __name__ == "__main__":
    _child(*sys.argv[1:6])
