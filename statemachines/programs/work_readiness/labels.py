"""就労準備支援事業's words on the case page (process.md §3.2)."""

from __future__ import annotations

from statemachines.programs.definition import Labels
from statemachines.programs.means import MEANS_LABELS

LABELS = MEANS_LABELS | Labels(
    fields={
        "decided_on": "支援決定日",
        "specified_public_assistance_recipient": "特定被保護者（生活保護受給中、法第3条第4項）",
        "stages": "支援の段階",
        "extension_reason": "延長の理由（心身の状況等）",
        "extension_decided_on": "延長決定日",
        "extended_until": "延長後の利用期限",
        "until": "延長後の利用期限",
        "outcome": "終了時の状況",
        "program_started_at": "支援開始日時",
    },
    options={
        "daily_life": "日常生活自立",
        "social_life": "社会生活自立",
        "employment": "就労自立",
        "general_employment": "一般就労",
        "certified_training": "認定就労訓練へ",
        "hello_work": "ハローワークの支援へ",
    },
    bookkeeping=frozenset({"limit_warned"}),
)
