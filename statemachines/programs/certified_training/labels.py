"""認定就労訓練事業's words on the case page (process.md §3.7)."""

from __future__ import annotations

from statemachines.programs.definition import Labels

LABELS = Labels(
    fields={
        "provider": "認定就労訓練事業者",
        "name": "事業所の名称",
        "provider_certified": "都道府県等の認定を受けている",
        "certification_number": "認定番号",
        "decided_on": "支援決定日",
        "training_type": "訓練の形態",
        "to_type": "移行後の形態",
        "outcome": "終了時の状況",
        "training_started_at": "訓練開始日時",
        "steps": "訓練の形態の経過",
        "last_review_at": "最後の見直し日時",
    },
    options={
        "non_employment": "非雇用型",
        "employment": "雇用型",
        "general_employment": "一般就労",
        "employed_by_provider": "訓練先での雇用",
        "other_program": "他の事業へ",
        "withdrawn": "辞退",
    },
    bookkeeping=frozenset({"review_due_for"}),
)
