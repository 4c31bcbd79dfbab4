"""Each 帳票 as blocks (``web.forms.blocks``), from the case's record: the MHLW 標準様式 (process.md §2.1–§2.7), the
ハローワーク 個人票A (§3.3) and the 支援決定通知 (§2.5).

A builder reads the record and the names the form prints (staff, municipality, ハローワーク) from a
:class:`FormContext`; it never prints an id a person cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from statemachines.case.record import CaseRecord
from statemachines.case.records import (
    ASSESSMENT_BASIC_FIELDS,
    ClientIdentity,
    Dimension,
    Evaluation,
    MeetingResult,
    Program,
    Topic,
)
from statemachines.programs.hello_work.labels import LABELS as HW_LABELS
from statemachines.programs.hello_work.records import HelloWorkRecord
from web.forms.blocks import (
    BLANK,
    Block,
    age_on,
    checks,
    day,
    fields,
    label,
    long_text,
    option,
    paragraph,
    rows,
    section,
    signature,
    text,
    yes_no,
)


@dataclass(frozen=True)
class FormContext:
    record: CaseRecord
    today: date
    municipality: str  # its name (A市 福祉事務所)
    names: dict[str, str] = field(default_factory=dict)  # user id -> display name
    hello_work: HelloWorkRecord | None = None
    office: str = BLANK  # the ハローワーク's name
    program: Program | None = None  # the 支援決定通知's program

    def person(self, user_id: str | None) -> str:
        return BLANK if user_id is None else self.names.get(user_id, user_id)


def staff_ids(record: CaseRecord) -> set[str]:
    """Every user a form of ``record`` may name (their display names are looked up once)."""
    ids = {record.opened_by, record.assignee, record.employment_supporter}
    ids |= {s.user_id for s in (record.plan_drafted, record.plan_checked) if s is not None}
    if record.plan is not None:
        ids |= {i.responsible for i in record.plan.support_items}
    return {i for i in ids if i}


def _identity(ctx: FormContext) -> list[tuple[str, str]]:
    client: ClientIdentity = ctx.record.intake.client
    born = f"{day(client.birth_date)}　{age_on(client.birth_date, ctx.today)}" if client.birth_date else BLANK
    return [
        ("ふりがな", text(client.name_kana)),
        (label("name"), text(client.name)),
        (label("gender"), text(client.gender)),
        (label("birth_date"), born),
        (label("address"), text(client.address)),
        (label("phone"), text(client.phone)),
    ]


def _received(record: CaseRecord) -> str:
    return day(record.intake.received_on or record.opened_at)


def intake_form(ctx: FormContext) -> list[Block]:
    """【1】相談受付・申込票: the A票 (本人記入), the 相談申込み with its signature (C1), the B票 (staff)."""
    r, intake = ctx.record, ctx.record.intake
    visitor = "本人" if intake.visitor.is_client else f"本人以外（{text(intake.visitor.relationship)}）"
    topics = [(option(t.value), t in intake.topics) for t in Topic]
    c1 = r.consent_c1
    recorded = (
        f"記録された同意（C1）：署名日 {day(c1.signed_on)}　個人情報取扱規程 {c1.policy_version}"
        + (f"　撤回日 {day(c1.revoked_on)}" if c1.revoked_on else BLANK)
        if c1
        else BLANK
    )
    return [
        section("A票（本人記入欄）"),
        fields([(label("received_on"), _received(r)), ("受付者", ctx.person(r.opened_by))], columns=4),
        fields(_identity(ctx)),
        fields([(label("visitor"), visitor), (label("urgent"), yes_no(intake.urgent))], columns=4),
        checks(
            "相談したいこと（◎は最も困っていること）",
            topics,
            main=option(intake.main_topic.value) if intake.main_topic else None,
        ),
        long_text("相談したい内容・支援への希望", intake.wishes),
        section("相談申込み"),
        signature(
            "上記の相談内容等について、自立相談支援の利用を申し込みます。また、「個人情報に関する管理・取扱規程」について"
            "説明を受け、相談支援にあたり必要となる関係機関（者）と情報共有することに同意します。",
            recorded,
        ),
        section("B票（スタッフ記入欄）"),
        fields(_staff_side(ctx), columns=4),
    ]


def _staff_side(ctx: FormContext) -> list[tuple[str, str]]:
    r = ctx.record
    eligible = r.eligibility
    referral = r.referral
    return [
        (label("route"), option(r.intake.route.value) if r.intake.route else BLANK),
        (label("route_detail"), text(r.intake.route_detail)),
        (label("is_needy"), yes_no(eligible.is_needy) if eligible else BLANK),
        (label("resides_in_municipality"), yes_no(eligible.resides_in_municipality) if eligible else BLANK),
        (label("referral"), referral.institution if referral else BLANK),
        (label("assignee"), ctx.person(r.assignee)),
    ]


def _header(ctx: FormContext) -> Block:
    client = ctx.record.intake.client
    return fields(
        [
            (label("name"), text(client.name)),
            ("ふりがな", text(client.name_kana)),
            (label("birth_date"), day(client.birth_date)),
            (label("assignee"), ctx.person(ctx.record.assignee)),
        ],
        columns=4,
    )


ASSESSMENT_SHEET: tuple[tuple[str, str], ...] = tuple(
    (key, ASSESSMENT_BASIC_FIELDS.get(key) or name)
    for key, name in (
        ("household", ""),
        ("life_history", "生活歴・職歴・資格"),
        ("health", ""),
        ("housing", ""),
        ("finances", ""),
        ("employment", ""),
        ("social", "社会参加・関係性"),
        ("issues", ""),
        ("strengths", "本人の強み"),
    )
)
"""The 基本シート's sections in the order of process.md §2.3."""


def assessment_form(ctx: FormContext) -> list[Block]:
    """【2】インテーク・アセスメントシート（基本シート）."""
    a = ctx.record.assessment
    sheet = [long_text(name, getattr(a, key) if a else None, room=2) for key, name in ASSESSMENT_SHEET]
    return [
        _header(ctx),
        fields(
            [(label("received_on"), _received(ctx.record)), ("受付者", ctx.person(ctx.record.opened_by))], columns=4
        ),
        section("アセスメント（基本シート）"),
        *sheet,
        section("支援の方向性"),
        fields(
            [
                ("継続支援の要否", yes_no(a.continuous_support_needed) if a else BLANK),
                (label("employment_support_target"), yes_no(a.employment_support_target) if a else BLANK),
            ],
            columns=4,
        ),
    ]


def plan_form(ctx: FormContext) -> list[Block]:
    """【3】プラン兼事業等利用申込書 (施行規則§1 の記載事項 一〜五) with the 本人署名・日付 lines (C2)."""
    r = ctx.record
    p = r.plan
    period = f"{day(p.period_start)} 〜 {day(p.period_end)}" if p and (p.period_start or p.period_end) else BLANK
    goals = [(str(n), g.description, day(g.target_date)) for n, g in enumerate(p.goals, 1)] if p else []
    items = [
        (
            option(i.kind.value),
            option(i.program.value) + "　" + i.description if i.program else i.description,
            text(i.provider),
            text(i.frequency),
            ctx.person(i.responsible),
        )
        for i in (p.support_items if p else [])
    ]
    return [
        _header(ctx),
        fields(
            [
                ("プランの版", f"第{r.plan_version}版" if r.plan_version else BLANK),
                ("作成日", day(r.plan_drafted.at) if r.plan_drafted else BLANK),
                ("計画期間", period),
                (label("co_written_with_client"), yes_no(p.co_written_with_client) if p else BLANK),
            ],
            columns=4,
        ),
        section("一　本人の生活に対する意向"),
        long_text(label("client_intentions"), p.client_intentions if p else None, room=1),
        section("二　生活全般の解決すべき課題"),
        long_text(label("issues"), p.issues if p else None, room=1),
        section("三　支援の目標及びその達成時期"),
        rows(["番号", "目標", "達成時期"], [12, 0, 40], goals),
        section("四　支援の種類及び内容"),
        rows(["種類", "内容", "提供者", "頻度", "担当"], [28, 0, 30, 20, 26], items),
        section("五　支援を提供する上での留意事項"),
        long_text(label("notes"), p.notes if p else None, room=1),
        *_meeting_and_decision(ctx),
        section("本人の同意・事業等の利用申込み"),
        signature(
            "上記のプランの内容について説明を受け、同意します。あわせて、プランに記載された事業等の利用を申し込みます。",
            f"記録された同意（C2）：署名日 {day(r.consent_c2.signed_on)}" if r.consent_c2 else BLANK,
        ),
    ]


def _meeting_and_decision(ctx: FormContext) -> list[Block]:
    r = ctx.record
    on_plan = [
        m for m in r.meetings if m.result not in (MeetingResult.CLOSURE_CONFIRMED, MeetingResult.INTERRUPTION_CONFIRMED)
    ]
    meeting = on_plan[-1] if on_plan else None  # the sitting that discussed the plan, not a later 終結 one
    decided = r.decision.programs if r.decision else []
    return [
        section("支援調整会議・支援決定"),
        fields(
            [
                ("支援調整会議", day(meeting.meeting_date) if meeting else BLANK),
                ("会議の結果", option(meeting.result.value) if meeting and meeting.result else BLANK),
                ("支援決定日", day(r.decision.decided_on) if r.decision else BLANK),
                (
                    "決定した事業",
                    "、".join(option(d.program.value) + ("（決定）" if d.approved else "（不承認）") for d in decided),
                ),
            ],
            columns=4,
        ),
    ]


def progress_form(ctx: FormContext) -> list[Block]:
    """【4】支援経過記録シート（出力用：経過一覧）: every contact, meeting and follow-up, oldest first."""
    r = ctx.record
    lines: list[tuple[date, str, str, str, str, str]] = []
    lines += [
        (
            n.contact_on,
            "支援経過",
            option(n.method.value),
            option(n.counterpart.value),
            n.content,
            day(n.next_planned_on),
        )
        for n in r.monitoring
    ]
    lines += [
        (m.meeting_date, "支援調整会議", "会議", "関係機関", _meeting_line(m.result, m.notes), BLANK)
        for m in r.meetings
    ]
    lines += [
        (e.on, "連絡のための努力", option(e.method.value), "本人", text(e.note), BLANK) for e in r.contact_efforts
    ]
    lines += [(f.done_on, "フォローアップ", option(f.method.value), "本人", f.content, BLANK) for f in r.follow_ups]
    lines.sort(key=lambda line: line[0])
    return [
        _header(ctx),
        rows(
            ["日付", "種別", "方法", "相手", "内容", "次回予定"],
            [26, 28, 18, 16, 0, 26],
            [(day(d), *rest) for d, *rest in lines],
        ),
    ]


def _meeting_line(result: object, notes: str | None) -> str:
    value = getattr(result, "value", None)
    head = f"結果：{option(value)}" if value else BLANK
    return "　".join(x for x in (head, text(notes)) if x)


def evaluation_form(ctx: FormContext) -> list[Block]:
    """【5】評価シート: the latest evaluation, goal by goal, the change in each area, and where the case goes."""
    r = ctx.record
    ev: Evaluation | None = r.evaluation
    goals = r.plan.goals if r.plan else []
    achieved = ev.goals_achieved if ev else []
    goal_rows = [
        (g.description, day(g.target_date), yes_no(achieved[n]) if n < len(achieved) else BLANK)
        for n, g in enumerate(goals)
    ]
    changes = [(option(d.value), _improved(ev, d)) for d in Dimension]
    wish = r.closure_proposal.client_wish if r.closure_proposal else None
    closure = r.closure
    return [
        _header(ctx),
        fields(
            [
                (label("evaluated_on"), day(ev.evaluated_on) if ev else BLANK),
                (label("direction"), option(ev.direction.value) if ev and ev.direction else BLANK),
            ],
            columns=4,
        ),
        section("目標の達成状況"),
        rows(["目標", "達成時期", "達成"], [0, 40, 20], goal_rows),
        section("状態の変化（改善が見られたか）"),
        rows(["領域", "改善"], [0, 40], changes),
        fields(
            [
                (label("employed"), yes_no(ev.employed) if ev else BLANK),
                (label("income_increased"), yes_no(ev.income_increased) if ev else BLANK),
            ],
            columns=4,
        ),
        long_text("評価の概要", ev.summary if ev else None, room=2),
        section("終結・本人の意向"),
        fields(
            [
                ("本人の意向の確認日", day(wish.confirmed_on) if wish else BLANK),
                ("終結理由", option(reason.reason.value) if (reason := closure or r.closure_proposal) else BLANK),
                ("会議での確認日", day(closure.meeting.meeting_date) if closure and closure.meeting else BLANK),
                ("終結日", day(r.closed_at)),
            ],
            columns=4,
        ),
        long_text("本人の意向", wish.wish if wish else None, room=1),
    ]


def _improved(ev: Evaluation | None, dimension: Dimension) -> str:
    if ev is None or dimension not in ev.improvements:
        return BLANK
    return "改善あり" if ev.improvements[dimension] else "改善なし"


_MENU_ORDER = (
    "job_counselling",
    "application_coaching",
    "interview_coaching",
    "vocational_training",
    "trial_employment",
    "job_development",
)


def hello_work_form(ctx: FormContext) -> list[Block]:
    """ハローワーク 個人票A (共通アセスメントツール 6; 生活保護受給者等就労自立促進事業の支援要請)."""
    hw, a = ctx.hello_work, ctx.record.assessment
    menu = [(HW_LABELS.options.get(m, m), hw is not None and m in hw.hw_plan) for m in _MENU_ORDER]
    outcomes = hw.outcomes if hw else None
    return [
        section("支援対象者"),
        fields(_identity(ctx)),
        section("支援要請"),
        fields(
            [
                ("要請元の自治体", ctx.municipality),
                ("支援要請日", day(hw.request_sent_on) if hw else BLANK),
                ("ハローワーク", ctx.office),
                ("就職支援ナビゲーター", text(hw.navigator) if hw else BLANK),
                ("就労支援員", ctx.person(ctx.record.employment_supporter)),
                ("本人同意日", day(hw.consent.consented_on) if hw and hw.consent else BLANK),
            ],
            columns=4,
        ),
        section("就労に関する状況"),
        long_text("就労の状況と意向", a.employment if a else None, room=1),
        long_text("生活歴・職歴・資格", a.life_history if a else None, room=1),
        long_text("健康・障害・受診状況", a.health if a else None, room=1),
        checks("希望する支援メニュー", menu),
        section("支援の実績"),
        fields(
            [
                ("応募", f"{outcomes.applications}件" if outcomes else BLANK),
                ("面接", f"{outcomes.interviews}件" if outcomes else BLANK),
                ("内定", f"{outcomes.offers}件" if outcomes else BLANK),
                ("就職日", day(hw.employment.started_on) if hw and hw.employment else BLANK),
            ],
            columns=4,
        ),
    ]


def decision_notice(ctx: FormContext) -> list[Block]:
    """支援決定通知書: one program's 支援決定, addressed to 本人, from the municipality."""
    r, program = ctx.record, ctx.program
    decision = r.decision
    decided = next((d for d in decision.programs if d.program is program), None) if decision else None
    if decision is None or decided is None or program is None:
        return [paragraph("この事業の支援決定は記録されていません。")]
    name = option(program.value)
    outcome = "利用を決定しました。" if decided.approved else "利用を決定しないこととしました。"
    period = f"{day(r.plan.period_start)} 〜 {day(r.plan.period_end)}" if r.plan and r.plan.period_start else BLANK
    return [
        paragraph(day(decision.decided_on), align="right"),
        paragraph(f"{text(r.intake.client.name)}　様", size=12),
        paragraph(f"{ctx.municipality}長", align="right"),
        paragraph(
            f"{day(r.consent_c2.signed_on) if r.consent_c2 else BLANK}付けで申込みのあった{name}の利用について、"
            f"生活困窮者自立支援法に基づき次のとおり{outcome}"
        ),
        fields(
            [
                ("事業名", name),
                ("決定の内容", "利用決定" if decided.approved else "不承認"),
                ("決定日", day(decision.decided_on)),
                ("支援の期間", period if decided.approved else BLANK),
                ("理由", text(decided.reason)),
                ("担当者", ctx.person(r.assignee)),
            ]
        ),
        paragraph("この通知について不明な点がありましたら、担当者までお問い合わせください。", size=8.5),
    ]
