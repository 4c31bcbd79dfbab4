"""The headline figures of a run, each with its anchor and target, and the README's table of them."""

from __future__ import annotations

from typing import Any

# Issue 16's targets (the README's table says which figure each one is for).
COMMAND_P50_MS = 30.0  # at 1 client
COMMAND_VS_BARE = 1.5  # at 1 client
TRANSITIONS_VS_BARE = 0.6  # sustained, at the most clients
QUERY_P95_MS = 20.0  # inbox and pipeline at 1,000,000 cases in PostgreSQL, the largest municipality included
QUERY_P95_MS_LARGE = 50.0  # the same at 10,000,000
QUERY_P95_MS_SQLITE = 50.0  # the SQLite read model at 100,000 cases (the earlier target, kept)
PAGE_P95_MS = 100.0  # the inbox and pipeline pages' server render, at both sizes
VERIFY_P95_MS = 250.0  # one case, what an auditor's 「検証」 waits for
RSS_MB = 300.0  # the worker at 10,000 open cases
INTEGRITY_CASES_PER_S = 2_000.0
REPLAY_PER_CORE_VS_BARE = 0.9


def _get(tree: dict[str, Any], *path: str) -> Any:
    node: Any = tree
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _worst(phase: dict[str, Any] | None, names: tuple[str, ...]) -> float | None:
    """The highest p95 of ``names``, over callers drawn by caseload and over the largest municipality alone."""
    if not phase or "error" in phase or any(name not in phase for name in names):
        return None
    return max(
        float(phase[name][key])
        for name in names
        for key in ("p95_ms", "largest_municipality_p95_ms")
        if key in phase[name]
    )


INBOXES = ("inbox_mine", "inbox_unassigned", "inbox_role")
PIPELINES = ("pipeline", "pipeline_assignee")
PAGES = ("/inbox", "/pipeline", "/pipeline/board")


def figures(details: dict[str, Any]) -> dict[str, Any]:
    """The issue's figures (None where the phase did not run), with ``targets``: each target and whether it is met."""
    out: dict[str, Any] = {}
    levels = _get(details, "commands", "levels") or {}
    out["command_latency_ms"] = {c: {k: f["command"][k] for k in ("p50", "p99")} for c, f in levels.items()}
    out["bare_update_latency_ms"] = {c: {k: f["bare_update"][k] for k in ("p50", "p99")} for c, f in levels.items()}
    pg_levels = _get(details, "commands_pg", "levels") or {}
    out["command_latency_ms_pg"] = {c: {k: f["command"][k] for k in ("p50", "p99")} for c, f in pg_levels.items()}
    out["bare_update_latency_ms_pg"] = {
        c: {k: f["bare_update"][k] for k in ("p50", "p99")} for c, f in pg_levels.items()
    }
    top = max(levels, key=int) if levels else None
    out["cpu_ms_per_op"] = {c: {k: cpu_ms_per_op(f[k]) for k in ("command", "bare_update")} for c, f in levels.items()}
    out["transitions_per_s"] = levels[top]["command"]["per_s"] if top else None
    out["bare_transitions_per_s"] = levels[top]["bare_update"]["per_s"] if top else None
    out["transitions_clients"] = int(top) if top else None
    pg = _get(details, "readmodel", "postgresql")
    large = _get(details, "readmodel", "postgresql_large")
    lite = _get(details, "readmodel", "sqlite")
    out["inbox_p95_ms_1m_pg"] = _worst(pg, INBOXES)
    out["pipeline_p95_ms_1m_pg"] = _worst(pg, PIPELINES)
    out["page_p95_ms_1m_pg"] = _worst(_get(pg or {}, "pages"), PAGES)
    out["inbox_p95_ms_10m_pg"] = _worst(large, INBOXES)
    out["pipeline_p95_ms_10m_pg"] = _worst(large, PIPELINES)
    out["page_p95_ms_10m_pg"] = _worst(_get(large or {}, "pages"), PAGES)
    out["inbox_p95_ms_100k_sqlite"] = _worst(lite, INBOXES)
    out["pipeline_p95_ms_100k_sqlite"] = _worst(lite, PIPELINES)
    out["verify_histories_per_s"] = _get(details, "verify", "per_s")
    out["verify_p95_ms"] = _get(details, "verify", "p95_ms")
    out["integrity_cases_per_s_pg"] = _get(details, "integrity", "postgresql", "per_s")
    out["integrity_cases_per_s_one_process_pg"] = _get(details, "integrity", "postgresql", "one_process", "per_s")
    out["integrity_cases_pg"] = _get(details, "integrity", "postgresql", "cases")
    out["replay_per_core_per_s"] = _get(details, "replay", "audit", "per_core_per_s")
    out["replay_bare_per_s"] = _get(details, "replay", "bare_replayer", "per_s")
    out["replay_per_cpu_s"] = _get(details, "replay", "audit", "per_cpu_s")  # what the target compares
    out["replay_bare_per_cpu_s"] = _get(details, "replay", "bare_replayer", "per_cpu_s")
    out["replay_per_core_vs_bare"] = _get(details, "replay", "per_core_vs_bare")
    by_count = _get(details, "rss", "by_open_cases") or {}
    out["worker_rss_mb_idle"] = _get(by_count, "0", "rss_mb")
    out["worker_rss_mb_1000"] = _get(by_count, "1000", "rss_mb")
    out["worker_rss_mb_10000"] = _get(by_count, "10000", "rss_mb")
    others = _get(details, "rss", "other_caches") or {}
    out["worker_rss_mb_other_cache"] = {
        cache: {
            "open_cases": s["open_cases"],
            "rss_mb": s["after_touching_every_case"]["rss_mb"],
            "replay_cost_ms_p50": s["replay_cost_ms_p50"],
        }
        for cache, s in others.items()
    }
    out["targets"] = targets(out)
    return out


def cpu_ms_per_op(window: dict[str, Any]) -> float | None:
    """CPU time of this run's own processes (server, worker, API, bare worker, load generator) per operation."""
    cores = window.get("cores")
    if not cores or not window.get("per_s"):
        return None
    ours = sum(float(v) for name, v in cores.items() if name != "other_processes")
    return round(ours / float(window["per_s"]) * 1000, 1)


def _check(measured: float | None, target: float, at_most: bool = True) -> dict[str, Any]:
    met = None if measured is None else (measured <= target if at_most else measured >= target)
    return {"target": target, "measured": measured, "met": met}


def targets(f: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for suffix in ("", "_pg"):
        latency = f.get(f"command_latency_ms{suffix}", {}).get("1")
        if latency is not None:  # the latency targets are at one client; the other levels are shown beside them
            bare = f[f"bare_update_latency_ms{suffix}"]["1"]["p50"]
            checks[f"command_p50_ms_1{suffix}"] = _check(latency["p50"], COMMAND_P50_MS)
            checks[f"command_p50_vs_bare_1{suffix}"] = _check(round(latency["p50"] / bare, 1), COMMAND_VS_BARE)
    if f["transitions_per_s"] is not None and f["bare_transitions_per_s"]:
        ratio = round(f["transitions_per_s"] / f["bare_transitions_per_s"], 2)
        checks["transitions_vs_bare"] = _check(ratio, TRANSITIONS_VS_BARE, at_most=False)
    for name, target in (
        ("inbox_p95_ms_1m_pg", QUERY_P95_MS),
        ("pipeline_p95_ms_1m_pg", QUERY_P95_MS),
        ("page_p95_ms_1m_pg", PAGE_P95_MS),
        ("inbox_p95_ms_10m_pg", QUERY_P95_MS_LARGE),
        ("pipeline_p95_ms_10m_pg", QUERY_P95_MS_LARGE),
        ("page_p95_ms_10m_pg", PAGE_P95_MS),
        ("inbox_p95_ms_100k_sqlite", QUERY_P95_MS_SQLITE),
        ("pipeline_p95_ms_100k_sqlite", QUERY_P95_MS_SQLITE),
        ("verify_p95_ms", VERIFY_P95_MS),
        ("worker_rss_mb_10000", RSS_MB),
    ):
        checks[name] = _check(f.get(name), target)
    for cache, reading in f.get("worker_rss_mb_other_cache", {}).items():
        checks[f"worker_rss_mb_cache_{cache}"] = _check(reading["rss_mb"], RSS_MB)
    checks["integrity_cases_per_s_pg"] = _check(f.get("integrity_cases_per_s_pg"), INTEGRITY_CASES_PER_S, False)
    checks["replay_per_core_vs_bare"] = _check(f.get("replay_per_core_vs_bare"), REPLAY_PER_CORE_VS_BARE, False)
    return checks


def _cell(value: Any) -> str:
    return "–" if value is None else str(value)


def _met(check: dict[str, Any] | None) -> str:
    if check is None or check["met"] is None:
        return "–"
    return "yes" if check["met"] else "**no**"


def markdown(report: dict[str, Any]) -> str:
    """The README's table: figure, measured, anchor measured beside it, target, met."""
    f = report["figures"]
    t = f["targets"]
    rows = ["| figure | measured | anchor (same run) | target | met |", "|---|---|---|---|---|"]
    rows += _command_rows(f, t)
    rows += _read_model_rows(report["details"].get("readmodel", {}), f, t)
    if f.get("verify_p95_ms") is not None:
        rows.append(
            f"| verify one case (replay + chain) p95 ms | {f['verify_p95_ms']} "
            f"({_cell(f['verify_histories_per_s'])} histories/s) | – | ≤ {VERIFY_P95_MS:.0f} ms | "
            f"{_met(t.get('verify_p95_ms'))} |"
        )
    rows += _integrity_rows(f, t)
    rows += _memory_rows(report["details"], f, t)
    return "\n".join(rows)


def _command_rows(f: dict[str, Any], t: dict[str, Any]) -> list[str]:
    rows = []
    for suffix, store in (("", "SQLite"), ("_pg", "PostgreSQL")):
        for clients, latency in f.get(f"command_latency_ms{suffix}", {}).items():
            bare = f[f"bare_update_latency_ms{suffix}"][clients]
            ratio = round(latency["p50"] / bare["p50"], 1) if bare["p50"] else None
            if clients == "1":
                target = f"p50 ≤ {COMMAND_P50_MS:.0f} ms and ≤ {COMMAND_VS_BARE}× bare"
                checks = (t.get(f"command_p50_ms_1{suffix}"), t.get(f"command_p50_vs_bare_1{suffix}"))
                met = _met({"met": None if None in checks else all(c["met"] for c in checks if c)})
            else:
                target, met = "–", "–"
            rows.append(
                f"| command p50 / p99 ms, {clients} client{'s' if clients != '1' else ''}, read model {store} | "
                f"{latency['p50']} / {latency['p99']} ({_cell(ratio)}× bare) | bare update {bare['p50']} / "
                f"{bare['p99']} | {target} | {met} |"
            )
    if "transitions_vs_bare" in t:
        rows.append(
            f"| commands/s sustained, {f['transitions_clients']} clients | {f['transitions_per_s']} "
            f"({t['transitions_vs_bare']['measured']:.0%} of bare) | bare updates/s {f['bare_transitions_per_s']} | "
            f"≥ {TRANSITIONS_VS_BARE:.0%} of bare | {_met(t['transitions_vs_bare'])} |"
        )
    return rows


def _read_model_rows(volumes: dict[str, Any], f: dict[str, Any], t: dict[str, Any]) -> list[str]:
    rows = []
    for key, label, store, target in (
        ("inbox_p95_ms_1m_pg", "inbox p95 ms", "postgresql", QUERY_P95_MS),
        ("pipeline_p95_ms_1m_pg", "pipeline p95 ms", "postgresql", QUERY_P95_MS),
        ("page_p95_ms_1m_pg", "inbox and pipeline pages, server render p95 ms", "postgresql", PAGE_P95_MS),
        ("inbox_p95_ms_10m_pg", "inbox p95 ms", "postgresql_large", QUERY_P95_MS_LARGE),
        ("pipeline_p95_ms_10m_pg", "pipeline p95 ms", "postgresql_large", QUERY_P95_MS_LARGE),
        ("page_p95_ms_10m_pg", "inbox and pipeline pages, server render p95 ms", "postgresql_large", PAGE_P95_MS),
        ("inbox_p95_ms_100k_sqlite", "inbox p95 ms", "sqlite", QUERY_P95_MS_SQLITE),
        ("pipeline_p95_ms_100k_sqlite", "pipeline p95 ms", "sqlite", QUERY_P95_MS_SQLITE),
    ):
        cases = _get(volumes, store, "cases")
        if cases is None:
            continue
        where = f"{cases:,} cases, {'SQLite' if store == 'sqlite' else 'PostgreSQL'}"
        rows.append(
            f"| {label}, {where} (worst scope; largest municipality included) | {_cell(f.get(key))} | – | "
            f"≤ {target:.0f} ms | {_met(t.get(key))} |"
        )
    return rows


def _memory_rows(details: dict[str, Any], f: dict[str, Any], t: dict[str, Any]) -> list[str]:
    rows = []
    by_count = _get(details, "rss", "by_open_cases") or {}
    cache = _get(details, "rss", "max_cached_workflows")
    for count in sorted(int(c) for c in by_count if c != "0"):
        target = f"≤ {RSS_MB:.0f} MB" if count == 10_000 else "–"
        check = t.get("worker_rss_mb_10000") if count == 10_000 else None
        rows.append(
            f"| worker RSS MB, {count:,} open cases, cache {_cell(cache)} runs | {by_count[str(count)]['rss_mb']} | "
            f"idle worker {_cell(f['worker_rss_mb_idle'])} | {target} | {_met(check)} |"
        )
    for size, reading in f.get("worker_rss_mb_other_cache", {}).items():
        rows.append(
            f"| worker RSS MB, {reading['open_cases']:,} open cases touched, cache {size} runs | {reading['rss_mb']} "
            f"| a query's replay of an evicted case, p50 ms {_cell(reading['replay_cost_ms_p50'])} | "
            f"≤ {RSS_MB:.0f} MB | "
            f"{_met(t.get(f'worker_rss_mb_cache_{size}'))} |"
        )
    return rows


def _integrity_rows(f: dict[str, Any], t: dict[str, Any]) -> list[str]:
    rows = []
    if f.get("integrity_cases_per_s_pg") is not None:
        rows.append(
            f"| bulk integrity pass (chain + rebuild) cases/s, {f['integrity_cases_pg']:,} cases, PostgreSQL | "
            f"{f['integrity_cases_per_s_pg']} | one process {f['integrity_cases_per_s_one_process_pg']} | "
            f"≥ {INTEGRITY_CASES_PER_S:,.0f} | {_met(t['integrity_cases_per_s_pg'])} |"
        )
    if f.get("replay_per_core_vs_bare") is not None:
        rows.append(
            f"| determinism audit (SDK replay across processes) histories per CPU second of a process | "
            f"{f['replay_per_cpu_s']} ({f['replay_per_core_vs_bare']:.0%} of bare) | bare Replayer "
            f"{f['replay_bare_per_cpu_s']} | "
            f"≥ {REPLAY_PER_CORE_VS_BARE:.0%} of bare | {_met(t['replay_per_core_vs_bare'])} |"
        )
    return rows
