"""The agenda packet of a sitting as PDF: one page per case on the agenda, drawn with the 帳票's blocks
(``web.forms.blocks``, ``templates/packet.typ``), only what the meeting may see (process.md §5.3).

What a page prints: the 受付番号, the client's name, the assignee and what the case is on the agenda for; for a plan
its summary (period, 意向, 課題, goals, support, 留意事項), for a 終結 the reason and the evaluation, for a 中断 the
efforts to reach 本人; then an empty box for the outcome and the minutes. Never the assessment, the identity beyond
the name, or a program's records.

- A 支援調整会議 shares under 本人's consent C1 (情報共有): a case without C1 in force prints its 受付番号 and the
  reason it prints nothing more.
- A 支援会議 (法第9条) may share without consent, under its members' duty of confidentiality: every page carries the
  duty (``CONFIDENTIALITY_ACT9``), and only its secretariat (主任相談支援員, 自治体職員) may print it.

Each case printed is a line of the access log (purpose ``form_pdf``, like the forms) with the 要配慮 fields printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import Response

from statemachines.case.meetings import (
    CONFIDENTIALITY_ACT9,
    KIND_NAMES,
    OUTCOME_NAMES,
    PURPOSE_NAMES,
    Outcome,
    Purpose,
    SittingKind,
)
from statemachines.case.record import STATES, CaseRecord
from statemachines.kernel.permissions import Permission, allowed
from statemachines.kernel.roles import Actor, Role
from store.access_log import AccessLog
from store.meetings import AgendaRow, SittingRow
from store.names import municipality_names, user_names
from web.core.deps import Services
from web.core.errors import ForbiddenError
from web.core.i18n import JST
from web.core.problems import problem
from web.forms.access import printed_paths
from web.forms.api import PDF as PDF
from web.forms.api import PURPOSE
from web.forms.blocks import BLANK, Block, day, fields, long_text, option, paragraph, rows, section, text
from web.forms.render import PACKET_TEMPLATE, FormFontsMissing, render_pdf

SECRETARIAT = frozenset({Role.CSW, Role.MUN})
REFUSED_ACT9 = "支援会議（法第9条）の資料は、会議の事務を担う主任相談支援員・自治体職員のみが出力できます。"
WITHHELD = (
    "本人の同意（関係機関との情報共有、C1）がないため、内容は記載していません。"
    "同意がなくても情報を共有できるのは支援会議（法第9条）です。"
)
PLAN_PRINTS = ("intake.client.name", "plan", "plan_version", "assignee")
CLOSURE_PRINTS = ("intake.client.name", "closure_proposal", "evaluations", "assignee")
INTERRUPTION_PRINTS = ("intake.client.name", "contact_efforts", "assignee")
PRINTS: Mapping[Purpose, tuple[str, ...]] = {
    Purpose.PLAN: PLAN_PRINTS,
    Purpose.CLOSURE: CLOSURE_PRINTS,
    Purpose.INTERRUPTION: INTERRUPTION_PRINTS,
}


def may_print_packet(actor: Actor, kind: SittingKind) -> bool:
    if not allowed(actor, Permission.MEETING_PACKET):
        return False
    return kind is not SittingKind.SUPPORT_MEETING or actor.has_any(SECRETARIAT)


def shares(kind: SittingKind, record: CaseRecord) -> bool:
    """Whether the sitting may see the case's content: a 支援会議 always (法第9条), a 支援調整会議 under C1."""
    consent = record.consent_c1
    return kind is SittingKind.SUPPORT_MEETING or (consent is not None and consent.in_force())


async def packet_response(svc: Services, actor: Actor, meeting_id: str) -> Response:
    sitting, agenda = svc.meetings.get(actor, meeting_id)  # 404 before 403: a sitting not served is not there
    if not may_print_packet(actor, sitting.kind):
        raise ForbiddenError(REFUSED_ACT9)
    pairs = await svc.meetings.records(agenda)
    with svc.sessions.begin() as session:
        names = user_names(session)
        place = municipality_names(session, [sitting.municipality]).get(sitting.municipality, "")
    today = svc.clock().astimezone(JST).date()
    doc = packet_document(sitting, pairs, names, place, today)
    try:
        pdf = await anyio.to_thread.run_sync(lambda: render_pdf(doc, at=svc.clock(), template=PACKET_TEMPLATE))
    except FormFontsMissing:
        return problem(
            503, "form_fonts_missing", "帳票用の日本語フォント（fonts-noto-cjk）がインストールされていません。"
        )
    _log(svc, actor, sitting.kind, pairs)
    name = quote(f"{sitting_name(sitting)}_会議資料.pdf")
    disposition = f"attachment; filename=\"packet.pdf\"; filename*=UTF-8''{name}"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})


def sitting_name(sitting: SittingRow) -> str:
    """令和8年12月10日 支援調整会議 (its title after it, when it has one)."""
    title = f"　{sitting.title}" if sitting.title else ""
    return f"{day(sitting.held_on)} {KIND_NAMES[sitting.kind]}{title}"


def sitting_words(purpose: Purpose, outcome: Outcome | None) -> tuple[str, str]:
    """What a case was on the agenda for, and what the sitting decided (「結果未記録」 before it is recorded)."""
    return PURPOSE_NAMES[purpose], OUTCOME_NAMES[outcome] if outcome else "結果未記録"


def packet_document(
    sitting: SittingRow,
    pairs: Sequence[tuple[AgendaRow, CaseRecord]],
    names: Mapping[str, str],
    municipality: str,
    today: date,
) -> dict[str, Any]:
    act9 = sitting.kind is SittingKind.SUPPORT_MEETING
    pages = [_page(sitting, n, len(pairs), item, record, names) for n, (item, record) in enumerate(pairs, 1)]
    return {
        "title": f"{sitting_name(sitting)} 会議資料",
        "header_left": sitting_name(sitting),
        "header_right": "会議資料（非公開）" if act9 else "会議資料",
        "notice": CONFIDENTIALITY_ACT9 if act9 else "",
        "footer_left": municipality,
        "issued": f"出力日 {day(today)}",
        "pages": pages or [{"title": "議題はありません", "subtitle": "", "blocks": []}],
    }


def _page(
    sitting: SittingRow, n: int, total: int, item: AgendaRow, record: CaseRecord, names: Mapping[str, str]
) -> dict[str, Any]:
    number = record.case_number or ""
    blocks: list[Block] = [
        fields(
            [
                ("受付番号", number),
                ("氏名", text(record.intake.client.name) if shares(sitting.kind, record) else BLANK),
                ("担当", names.get(record.assignee or "", BLANK)),
                ("状態", STATES[record.state].name_ja),
            ],
            columns=4,
        )
    ]
    if shares(sitting.kind, record):
        blocks += BUILDERS[item.purpose](record, names)
    else:
        blocks.append(paragraph(WITHHELD))
    blocks += [
        section("会議の結果"),
        fields([("結果", "　".join(f"□ {o}" for o in OUTCOME_BOXES[item.purpose]))]),
        long_text("議事録（本人ごと）", None, room=5),
    ]
    return {
        "title": f"議題 {n} / {total}　{PURPOSE_NAMES[item.purpose]}",
        "subtitle": f"受付番号 {number}",
        "blocks": blocks,
    }


OUTCOME_BOXES: Mapping[Purpose, tuple[str, ...]] = {
    Purpose.PLAN: ("承認", "修正"),
    Purpose.CLOSURE: ("終結を確認", "継続"),
    Purpose.INTERRUPTION: ("中断を確認", "継続"),
}


def _plan(record: CaseRecord, names: Mapping[str, str]) -> list[Block]:
    p = record.plan
    if p is None:
        return [paragraph("プランはまだ記録されていません。")]
    period = f"{day(p.period_start)} 〜 {day(p.period_end)}" if p.period_start or p.period_end else BLANK
    goals = [(str(n), g.description, day(g.target_date)) for n, g in enumerate(p.goals, 1)]
    support = [
        (
            option(i.kind.value),
            (option(i.program.value) + "　" + i.description) if i.program else i.description,
            text(i.provider),
            text(i.frequency),
            names.get(i.responsible or "", text(i.responsible)),
        )
        for i in p.support_items
    ]
    return [
        section("プランの概要"),
        fields([("プランの版", f"第{record.plan_version}版"), ("計画期間", period)], columns=4),
        long_text("本人の生活に対する意向", p.client_intentions, room=0),
        long_text("解決すべき課題", p.issues, room=0),
        section("支援の目標及びその達成時期"),
        rows(["番号", "目標", "達成時期"], [12, 0, 40], goals),
        section("支援の種類及び内容"),
        rows(["種類", "内容", "提供者", "頻度", "担当"], [28, 0, 30, 20, 26], support),
        long_text("留意事項", p.notes, room=0),
    ]


def _closure(record: CaseRecord, names: Mapping[str, str]) -> list[Block]:
    proposal = record.closure_proposal
    evaluation = record.evaluations[-1] if record.evaluations else None
    achieved = evaluation.goals_achieved if evaluation else []
    wish = proposal.client_wish if proposal else None
    return [
        section("終結評価"),
        fields(
            [
                ("終結理由", option(proposal.reason.value) if proposal else BLANK),
                ("評価日", day(evaluation.evaluated_on) if evaluation else BLANK),
                ("目標の達成", f"{sum(achieved)} / {len(achieved)}" if achieved else BLANK),
                ("本人の意向の確認日", day(wish.confirmed_on) if wish else BLANK),
            ],
            columns=4,
        ),
        long_text("本人の意向", wish.wish if wish else None, room=0),
        long_text("評価のまとめ", evaluation.summary if evaluation else None, room=0),
    ]


def _interruption(record: CaseRecord, names: Mapping[str, str]) -> list[Block]:
    efforts = [(day(e.on), option(e.method.value), text(e.note)) for e in record.contact_efforts]
    return [
        section("連絡のための努力"),
        fields([("連絡不通になった日", day(record.state_entered_at))]),
        rows(["日付", "方法", "内容"], [40, 34, 0], efforts),
    ]


BUILDERS = {Purpose.PLAN: _plan, Purpose.CLOSURE: _closure, Purpose.INTERRUPTION: _interruption}


def _log(svc: Services, actor: Actor, kind: SittingKind, pairs: Sequence[tuple[AgendaRow, CaseRecord]]) -> None:
    with svc.sessions.begin() as session:
        log = AccessLog(session)
        for item, record in pairs:
            if not shares(kind, record):
                continue
            paths = printed_paths(CaseRecord, record.model_dump(mode="json"), PRINTS[item.purpose])
            log.record(user_id=actor.user_id, case_id=record.case_id, fields=paths, purpose=PURPOSE, now=svc.clock())
