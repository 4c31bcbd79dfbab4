"""認定就労訓練事業 (process.md §3.7): あっせん to a certified provider, 雇用型/非雇用型, step-up toward general work.

Only a provider certified by the 都道府県知事等 (施行規則§21 criteria) can be matched; the municipality decides the
use and its type on the agency's assessment (S24). A step-up goes from 非雇用型 to 雇用型, never back.
"""

from __future__ import annotations

from statemachines.kernel.events import TaskKind
from statemachines.kernel.roles import MUNICIPAL, SYSTEM, WORK_SUPPORT, Role
from statemachines.kernel.table import Transition
from statemachines.kernel.timers import Timer
from statemachines.programs.certified_training import effects as e
from statemachines.programs.certified_training import records as p
from statemachines.programs.certified_training.guards import GUARDS
from statemachines.programs.certified_training.labels import LABELS
from statemachines.programs.certified_training.records import (
    CertifiedTrainingRecord,
    CertifiedTrainingState,
    CertifiedTrainingTrigger,
)
from statemachines.programs.definition import ProgramDef, ProgramState
from statemachines.programs.payloads import Empty, Reason

S, T = CertifiedTrainingState, CertifiedTrainingTrigger
Row = Transition[CertifiedTrainingState, CertifiedTrainingTrigger]
TK = TaskKind[CertifiedTrainingTrigger]
MUN, STAFF, TRAINING = MUNICIPAL, WORK_SUPPORT, e.TRAINING

# fmt: off
TRANSITIONS: tuple[Row, ...] = (
    Row("CT1", T.MATCH_PROVIDER, (S.MATCHING,), None, STAFF, p.MatchProvider, "認定事業者への利用あっせん", ("G-CT1",)),
    Row("CT2", T.DECIDE, (S.MATCHING,), S.DECIDED, MUN, p.Decide, "支援決定（雇用型・非雇用型）", ("G-CT1",)),
    Row("CT3", T.REJECT, (S.MATCHING,), S.REJECTED, MUN, Reason, "不承認"),
    Row("CT4", T.START_TRAINING, (S.DECIDED,), S.IN_TRAINING, STAFF, Empty, "就労訓練の開始"),
    Row("CT5", T.REVIEW, TRAINING, None, STAFF, p.Review, "定期的な振り返り（事業者の就労支援担当者と）"),
    Row("CT6", T.STEP_UP, (S.IN_TRAINING,), S.STEP_UP, STAFF, p.StepUp, "ステップアップ（非雇用型→雇用型）",
        ("G-CT2",)),
    Row("CT7", T.END, (S.MATCHING, S.DECIDED, *TRAINING), S.ENDED, STAFF, p.End,
        "終了（一般就労・他の支援へ・辞退等）"),
    Row("CT8", T.MARK_REVIEW_DUE, TRAINING, None, SYSTEM, Empty, "定期的な振り返りの時期", timer="training_review"),
)
# fmt: on

STATES = {
    S.MATCHING: ProgramState("利用あっせん", "Matching"),
    S.REJECTED: ProgramState("不承認", "Rejected", terminal=True),
    S.DECIDED: ProgramState("支援決定", "Decided"),
    S.IN_TRAINING: ProgramState("就労訓練中", "In training"),
    S.STEP_UP: ProgramState("ステップアップ（雇用型・一般就労へ）", "Stepped up"),
    S.ENDED: ProgramState("終了", "Ended", terminal=True),
}

CERTIFIED_TRAINING = ProgramDef[CertifiedTrainingState, CertifiedTrainingTrigger, CertifiedTrainingRecord](
    id="certified_training",
    position=5,
    labels=LABELS,
    start_patch="start-program-certified_training",
    name_ja="認定就労訓練事業",
    basis="生活困窮者自立支援法 第16条（就労訓練事業の認定）; 施行規則 第21条",
    states=STATES,
    triggers=CertifiedTrainingTrigger,
    initial=S.MATCHING,
    transitions=TRANSITIONS,
    guards=GUARDS,
    record_type=CertifiedTrainingRecord,
    effects={
        T.MATCH_PROVIDER: e.match,
        T.DECIDE: e.decide,
        T.START_TRAINING: e.start,
        T.REVIEW: e.review,
        T.STEP_UP: e.step_up,
        T.END: e.end,
        T.MARK_REVIEW_DUE: e.due_marked,
    },
    deadlines=e.deadlines,
    state_tasks={
        S.MATCHING: TK(
            "ct_match", Role.ESW, T.MATCH_PROVIDER, "認定就労訓練事業者へのあっせん", "Match a certified provider"
        ),
        S.DECIDED: TK("ct_start", Role.ESW, T.START_TRAINING, "就労訓練の開始", "Start the training"),
    },
    event_tasks={
        T.MARK_REVIEW_DUE: TK(
            "ct_review_due",
            Role.ESW,
            T.REVIEW,
            "就労訓練の定期的な振り返りの時期です（ステップアップの検討）",
            "The training review is due (consider a step-up)",
        )
    },
    closes={T.REVIEW: ("ct_review_due",)},
    rules={"review_interval": ("P3M", "事業者の就労支援担当者との定期的な振り返り（3か月ごと）[BK]")},
    timers=(Timer("training_review", "opens the review task, counted from the last review", rule="review_interval"),),
)
