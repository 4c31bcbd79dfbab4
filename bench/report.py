"""The headline figures of a run, each with its anchor and target, and the README's table of them."""

from __future__ import annotations

from typing import Any

COMMAND_P50_MS = 30.0
COMMAND_VS_BARE = 1.5
TRANSITIONS_VS_BARE = 0.6
QUERY_P95_MS = 50.0
VERIFY_PER_S = 100.0
RSS_MB_1000 = 300.0
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
    if not phase or "error" in phase:
        return None
    return max(float(phase[name]["p95_ms"]) for name in names)


INBOXES = ("inbox_mine", "inbox_unassigned", "inbox_role")
PIPELINES = ("pipeline", "pipeline_assignee")


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
    lite = _get(details, "readmodel", "sqlite")
    out["inbox_p95_ms_1m_pg"] = _worst(pg, INBOXES)
    out["pipeline_p95_ms_1m_pg"] = _worst(pg, PIPELINES)
    out["inbox_p95_ms_100k_sqlite"] = _worst(lite, INBOXES)
    out["pipeline_p95_ms_100k_sqlite"] = _worst(lite, PIPELINES)
    out["verify_histories_per_s"] = _get(details, "verify", "per_s")
    out["integrity_cases_per_s_pg"] = _get(details, "integrity", "postgresql", "per_s")
    out["integrity_cases_per_s_one_process_pg"] = _get(details, "integrity", "postgresql", "one_process", "per_s")
    out["integrity_cases_pg"] = _get(details, "integrity", "postgresql", "cases")
    out["replay_per_core_per_s"] = _get(details, "replay", "audit", "per_core_per_s")
    out["replay_bare_per_s"] = _get(details, "replay", "bare_replayer", "per_s")
    out["replay_per_core_vs_bare"] = _get(details, "replay", "per_core_vs_bare")
    by_count = _get(details, "rss", "by_open_cases") or {}
    out["worker_rss_mb_idle"] = _get(by_count, "0", "rss_mb")
    out["worker_rss_mb_1000"] = _get(by_count, "1000", "rss_mb")
    out["worker_rss_mb_10000"] = _get(by_count, "10000", "rss_mb")
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
        for clients, latency in f.get(f"command_latency_ms{suffix}", {}).items():
            bare = f[f"bare_update_latency_ms{suffix}"][clients]["p50"]
            checks[f"command_p50_ms_{clients}{suffix}"] = _check(latency["p50"], COMMAND_P50_MS)
            ratio = round(latency["p50"] / bare, 1)
            checks[f"command_p50_vs_bare_{clients}{suffix}"] = _check(ratio, COMMAND_VS_BARE)
    if f["transitions_per_s"] is not None and f["bare_transitions_per_s"]:
        ratio = round(f["transitions_per_s"] / f["bare_transitions_per_s"], 2)
        checks["transitions_vs_bare"] = _check(ratio, TRANSITIONS_VS_BARE, at_most=False)
    for name in (
        "inbox_p95_ms_1m_pg",
        "pipeline_p95_ms_1m_pg",
        "inbox_p95_ms_100k_sqlite",
        "pipeline_p95_ms_100k_sqlite",
    ):
        checks[name] = _check(f[name], QUERY_P95_MS)
    checks["verify_histories_per_s"] = _check(f["verify_histories_per_s"], VERIFY_PER_S, at_most=False)
    checks["worker_rss_mb_1000"] = _check(f["worker_rss_mb_1000"], RSS_MB_1000)
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
    for suffix, store in (("", "SQLite"), ("_pg", "PostgreSQL")):
        for clients, latency in f.get(f"command_latency_ms{suffix}", {}).items():
            bare = f[f"bare_update_latency_ms{suffix}"][clients]
            ratio = t[f"command_p50_vs_bare_{clients}{suffix}"]["measured"]
            met = t[f"command_p50_ms_{clients}{suffix}"]["met"] and t[f"command_p50_vs_bare_{clients}{suffix}"]["met"]
            rows.append(
                f"| command p50 / p99 ms, {clients} client{'s' if clients != '1' else ''}, read model {store} | "
                f"{latency['p50']} / {latency['p99']} ({ratio}× bare) | bare update {bare['p50']} / {bare['p99']} | "
                f"p50 ≤ {COMMAND_P50_MS:.0f} ms and ≤ {COMMAND_VS_BARE}× bare | {_met({'met': met})} |"
            )
    if "transitions_vs_bare" in t:
        rows.append(
            f"| transitions/s sustained, {f['transitions_clients']} clients | {f['transitions_per_s']} "
            f"({t['transitions_vs_bare']['measured']:.0%} of bare) | bare updates/s {f['bare_transitions_per_s']} | "
            f"≥ {TRANSITIONS_VS_BARE:.0%} of bare | {_met(t['transitions_vs_bare'])} |"
        )
    volumes = report["details"].get("readmodel", {})
    for key, label, store in (
        ("inbox_p95_ms_1m_pg", "inbox p95 ms", "postgresql"),
        ("pipeline_p95_ms_1m_pg", "pipeline p95 ms", "postgresql"),
        ("inbox_p95_ms_100k_sqlite", "inbox p95 ms", "sqlite"),
        ("pipeline_p95_ms_100k_sqlite", "pipeline p95 ms", "sqlite"),
    ):
        cases = _get(volumes, store, "cases")
        where = f"{cases:,} cases, {'PostgreSQL' if store == 'postgresql' else 'SQLite'}" if cases else store
        rows.append(f"| {label}, {where} | {_cell(f[key])} | – | ≤ {QUERY_P95_MS:.0f} ms | {_met(t[key])} |")
    rows.append(
        f"| verify (replay + chain) histories/s | {_cell(f['verify_histories_per_s'])} | – | ≥ {VERIFY_PER_S:.0f} | "
        f"{_met(t['verify_histories_per_s'])} |"
    )
    rows += _integrity_rows(f, t)
    by_count = _get(report["details"], "rss", "by_open_cases") or {}
    for count in sorted((int(c) for c in by_count if c != "0"), key=int):
        check = t["worker_rss_mb_1000"] if count == 1000 else None
        target = f"≤ {RSS_MB_1000:.0f} MB" if count == 1000 else "–"
        rows.append(
            f"| worker RSS MB, {count:,} open cases | {by_count[str(count)]['rss_mb']} | idle worker "
            f"{_cell(f['worker_rss_mb_idle'])} | {target} | {_met(check)} |"
        )
    return "\n".join(rows)


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
            f"| determinism audit (SDK replay across processes) histories/s per core | {f['replay_per_core_per_s']} "
            f"({f['replay_per_core_vs_bare']:.0%} of bare) | bare Replayer {f['replay_bare_per_s']} | "
            f"≥ {REPLAY_PER_CORE_VS_BARE:.0%} of bare | {_met(t['replay_per_core_vs_bare'])} |"
        )
    return rows
