"""``python -m bench.profiled OUT.prof SCRIPT``: run ``SCRIPT`` (``worker.py``, ``api.py``) as ``__main__`` under
cProfile in every thread, and write the merged statistics to ``OUT.prof`` when it exits (SIGTERM stops both cleanly).

cProfile alone sees only the main thread; the worker runs its workflow tasks (the sandbox) in a thread pool and its
activities' database work in ``asyncio.to_thread``, so each thread started after this gets a profiler of its own
(``threading.setprofile``), and the main thread's and theirs are added up at the end. The bench starts the worker and
the API this way when ``BENCH_PROFILE_DIR`` is set (``bench/common.py``); ``python -m bench.profiled --top`` prints
the functions that took most of a profile's time. py-spy would see the same without the overhead, but it is not a
dependency of the project.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import runpy
import sys
import threading
from types import FrameType
from typing import Any

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _start_in_thread(frame: FrameType, event: str, arg: Any) -> None:
    profile = cProfile.Profile()
    with _lock:
        _profiles.append(profile)
    profile.enable()  # replaces this hook in this thread with the profiler


def run(out: str, script: str) -> None:
    main = cProfile.Profile()
    _profiles.append(main)
    threading.setprofile(_start_in_thread)
    sys.argv = [script]
    main.enable()
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        main.disable()
        threading.setprofile(None)
        with _lock:
            profiles = list(_profiles)
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            try:
                stats.add(profile)
            except TypeError:  # a thread that never ran a profiled call
                continue
        stats.dump_stats(out)


def top(path: str, count: int = 25) -> str:
    """The ``count`` functions with the most own time (tottime) and their share of the total, and by cumulative."""
    stats = pstats.Stats(path)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    by_own = sorted(rows.items(), key=lambda kv: kv[1][2], reverse=True)[:count]
    text = io.StringIO()
    text.write(f"{path}: {total:.1f} s of CPU in profiled threads\n")
    for (file, line, name), (_cc, _nc, tt, ct, _callers) in by_own:
        text.write(f"{100 * tt / total:5.1f}% own {100 * ct / total:5.1f}% cum  {name}  {file}:{line}\n")
    return text.getvalue()


if __name__ == "__main__":
    if sys.argv[1] == "--top":
        for name in sys.argv[2:]:
            print(top(name))
    else:
        run(sys.argv[1], sys.argv[2])
