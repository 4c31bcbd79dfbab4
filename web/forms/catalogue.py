"""The 帳票 Yorisoi prints: each one's number and title on the national form set (process.md §2.1), how it is built,
and which recorded fields it prints (what decides who may download it and what the access log names)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from statemachines.case.records import PROGRAMS_NEEDING_DECISION, Program
from web.forms.blocks import Block, option
from web.forms.sheets import (
    FormContext,
    assessment_form,
    decision_notice,
    evaluation_form,
    hello_work_form,
    intake_form,
    plan_form,
    progress_form,
)

IDENTITY = "intake.client"
DECISION_PREFIX = "decision-"


@dataclass(frozen=True)
class FormSpec:
    form_id: str
    title: str
    series: str  # which set the form belongs to, printed at the top of each page
    build: Callable[[FormContext], list[Block]]
    prints: tuple[str, ...]  # paths in the case's record (intake.client: the whole identity)
    program_prints: tuple[str, ...] = ()  # paths in the hello_work enrolment's record
    program: Program | None = None  # the 支援決定通知's program


STANDARD = "自立相談支援機関使用標準様式"
FORMS: dict[str, FormSpec] = {
    s.form_id: s
    for s in (
        FormSpec(
            "intake",
            "【1】相談受付・申込票",
            STANDARD,
            intake_form,
            ("intake", "consent_c1", "eligibility", "referral"),
        ),
        FormSpec(
            "assessment",
            "【2】インテーク・アセスメントシート（基本シート）",
            STANDARD,
            assessment_form,
            (IDENTITY, "intake.received_on", "assessment"),
        ),
        FormSpec(
            "plan",
            "【3】プラン兼事業等利用申込書",
            STANDARD,
            plan_form,
            (IDENTITY, "plan", "consent_c2", "meetings", "decision"),
        ),
        FormSpec(
            "progress",
            "【4】支援経過記録（経過一覧）",
            STANDARD,
            progress_form,
            (IDENTITY, "monitoring", "meetings", "contact_efforts", "follow_ups"),
        ),
        FormSpec(
            "evaluation",
            "【5】評価シート",
            STANDARD,
            evaluation_form,
            (IDENTITY, "plan.goals", "evaluations", "closure_proposal", "closure"),
        ),
        FormSpec(
            "hello_work",
            "個人票A",
            "生活保護受給者等就労自立促進事業（ハローワーク）",
            hello_work_form,
            (IDENTITY, "assessment.employment", "assessment.life_history", "assessment.health"),
            ("consent", "request_sent_on", "navigator", "hw_plan", "outcomes", "employment"),
        ),
    )
}


def decision_form(program: Program) -> FormSpec:
    return FormSpec(
        f"{DECISION_PREFIX}{program.value}",
        f"支援決定通知書（{option(program.value)}）",
        "生活困窮者自立支援法に基づく支援決定",
        decision_notice,
        (IDENTITY, "decision", "consent_c2", "plan.period_start", "plan.period_end"),
        program=program,
    )


def form_named(form_id: str) -> FormSpec | None:
    """The form behind a URL's name: a standard form, or ``decision-<program>`` for a program that is decided."""
    if form_id in FORMS:
        return FORMS[form_id]
    program = form_id.removeprefix(DECISION_PREFIX)
    if form_id.startswith(DECISION_PREFIX) and program in {p.value for p in PROGRAMS_NEEDING_DECISION}:
        return decision_form(Program(program))
    return None
