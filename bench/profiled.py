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
import time
from types import FrameType
from typing import Any

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
DUMP_EVERY = 10.0  # seconds: the API may be stopped before its ``finally`` runs


def _profiler() -> cProfile.Profile:
    """CPU time of the thread (``time.thread_time``), not wall time: a thread waiting on a queue costs nothing."""
    profile = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    return profile


def _start_in_thread(frame: FrameType, event: str, arg: Any) -> None:
    _profiler().enable()  # replaces this hook in this thread with the profiler


class _Snapshot:
    """What ``pstats.Stats`` takes, from a profiler still running in its thread (``create_stats`` would stop the
    profiler of the thread that calls it and unwind the other thread's stack)."""

    def __init__(self, profile: cProfile.Profile) -> None:
        profile.snapshot_stats()
        self.stats = profile.stats

    def create_stats(self) -> None:
        pass


def _dump(out: str) -> None:
    with _lock:
        snapshots = [_Snapshot(profile) for profile in _profiles]
    stats = pstats.Stats(snapshots[0])  # type: ignore[arg-type]
    for snapshot in snapshots[1:]:
        if snapshot.stats:
            stats.add(snapshot)  # type: ignore[arg-type]
    stats.dump_stats(out)


def _dump_every(out: str) -> None:
    while True:
        time.sleep(DUMP_EVERY)
        _dump(out)


def run(out: str, script: str) -> None:
    threading.Thread(target=_dump_every, args=(out,), daemon=True, name="profile-dump").start()  # not profiled
    main = _profiler()
    threading.setprofile(_start_in_thread)
    sys.argv = [script]
    main.enable()
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        main.disable()
        threading.setprofile(None)
        _dump(out)


def top(path: str, count: int = 25) -> str:
    """The ``count`` functions with the most own time (tottime) and their share of the total, and by cumulative."""
    stats = pstats.Stats(path)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    by_own = sorted(rows.items(), key=lambda kv: kv[1][2], reverse=True)[:count]
    text = io.StringIO()
    text.write(f"{path}: {total:.1f} s of CPU (thread time) in the profiled threads\n")
    for (file, line, name), (_cc, _nc, tt, ct, _callers) in by_own:
        text.write(f"{100 * tt / total:5.1f}% own {100 * ct / total:5.1f}% cum  {name}  {file}:{line}\n")
    return text.getvalue()


if __name__ == "__main__":
    if sys.argv[1] == "--top":
        for name in sys.argv[2:]:
            print(top(name))
    else:
        run(sys.argv[1], sys.argv[2])
