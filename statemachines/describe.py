"""The process as data for people and tools: ``describe`` (JSON) and ``diagram`` (Mermaid)."""

from __future__ import annotations

from typing import Any

from statemachines.case.guards import GUARDS
from statemachines.case.record import STAGE_NAMES, STATES, CaseState, Stage
from statemachines.case.transitions import OPENING, OPENING_IDENTIFIED, TIMERS, TRANSITIONS, Region, TransitionDef
from statemachines.kernel.rules import CURRENT_NATIONAL
from statemachines.kernel.timers import describe_timers


def _timers() -> list[dict[str, Any]]:
    defaults = CURRENT_NATIONAL.model_dump(mode="json")
    rules = {name: (defaults[name], CURRENT_NATIONAL.sources.get(name, "")) for name in defaults}
    return describe_timers(TRANSITIONS, TIMERS, rules)


def _transition(t: TransitionDef, source: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": t.id,
        "trigger": t.trigger.value,
        "name_ja": t.name_ja,
        "source": source if source is not None else [s.value for s in t.source],
        "dest": t.dest_label,
        "region": str(t.region),
        "guards": list(t.guards),
        "roles": sorted(r.value for r in t.roles),
        "timer": t.timer,
        "counts_as_contact": t.contact,
    }


def describe_case() -> dict[str, Any]:
    transitions = [_transition(OPENING_IDENTIFIED, ["(none)"])]
    for t in TRANSITIONS:
        opening = t.id == OPENING.id
        transitions.append(_transition(t, ["(none)", *(s.value for s in t.source)] if opening else None))
    return {
        "stages": [
            {
                "id": st.value,
                "name_ja": STAGE_NAMES[st][0],
                "name_en": STAGE_NAMES[st][1],
                "states": [s.value for s, info in STATES.items() if info.stage is st],
            }
            for st in Stage
        ],
        "states": [
            {
                "id": s.value,
                "stage": info.stage.value,
                "name_ja": info.name_ja,
                "name_en": info.name_en,
                "terminal": info.terminal,
            }
            for s, info in STATES.items()
        ],
        "regions": [
            {
                "id": Region.EMERGENCY.value,
                "name_ja": "プラン策定前の支援（緊急支援等）",
                "states": ["inactive", "active"],
                "parallel_to": Region.MAIN.value,
            }
        ],
        "transitions": transitions,
        "guards": [g.describe() for g in GUARDS.values()],
        "timers": _timers(),
        "initial": [CaseState.INTAKE.value, CaseState.IDENTIFIED.value],
    }


def describe() -> dict[str, Any]:
    """Every process of Yorisoi; programs add theirs under their own id."""
    from statemachines.programs.registry import PROGRAMS

    return {"processes": {"case": describe_case(), **{p.id: p.describe() for p in PROGRAMS}}}


def _edge_label(t: TransitionDef) -> str:
    guards = f" [{', '.join(t.guards)}]" if t.guards else ""
    return f"{t.id} {t.name_ja}{guards}"


def diagram() -> str:
    """The case process as a Mermaid state diagram, stages as composite states."""
    lines = ["stateDiagram-v2", "    direction TB"]
    for st in Stage:
        lines.append(f'    state "{STAGE_NAMES[st][0]} ({st.value})" as {st.value} {{')
        lines.extend(f"        {s.value}: {info.name_ja}" for s, info in STATES.items() if info.stage is st)
        lines.append("    }")
    lines.append(f"    [*] --> {CaseState.INTAKE.value}: T1 相談受付")
    lines.append(f"    [*] --> {CaseState.IDENTIFIED.value}: T0 把握")
    for t in TRANSITIONS:
        if t.region is not Region.MAIN or (t.dest is None and not t.dest_previous):
            continue
        dest = "previous" if t.dest_previous else t.dest.value if t.dest else ""
        for source in t.source:
            target = source.value if t.dest_previous else dest
            label = _edge_label(t) + (" (直前の状態へ)" if t.dest_previous else "")
            lines.append(f"    {source.value} --> {target}: {label}")
    lines.append("    note right of SCREENING: T6 緊急支援は並行リージョン（プラン合意前のどの状態からでも）")
    return "\n".join(lines) + "\n"
