"""ハローワーク同行（生活保護受給者等就労自立促進事業）'s words on the case page (process.md §3.3)."""

from __future__ import annotations

from statemachines.programs.definition import Labels

LABELS = Labels(
    fields={
        "consented_on": "同意日",
        "office_id": "ハローワーク（事業所）",
        "sent_on": "支援要請日",
        "navigator": "就職支援ナビゲーター",
        "appointment_id": "予定ID",
        "starts_at": "日時",
        "kind": "予定の種類",
        "attendance": "出欠",
        "menu": "支援メニュー",
        "applications": "応募（件）",
        "interviews": "面接（件）",
        "offers": "内定（件）",
        "employment": "就職",
        "employer_kind": "就職先の種類",
        "started_on": "就職日",
        "number": "何回目",
        "follow_up": "定着支援の記録",
        "contacted_on": "連絡日",
        "still_employed": "就労を継続している",
        "consent": "支援要請への本人同意",
        "request_sent_on": "支援要請日",
        "hw_plan": "支援メニュー",
        "appointments": "予定と出欠",
        "status": "出欠",
        "attendance_recorded_at": "出欠の記録日時",
        "outcomes": "求職活動の件数",
        "employments": "就職（件）",
        "follow_ups": "定着支援の記録",
        "end_note": "終了時のメモ",
    },
    options={
        "job_counselling": "職業相談・紹介",
        "application_coaching": "応募書類の作成指導",
        "interview_coaching": "面接指導",
        "vocational_training": "公共職業訓練",
        "trial_employment": "トライアル雇用",
        "job_development": "個別求人開拓",
        "private_company": "民間企業",
        "public_body": "官公庁・公的機関",
        "non_profit": "NPO法人等",
        "social_welfare_corporation": "社会福祉法人",
    },
    bookkeeping=frozenset({"appointment_id", "reminded", "no_show_followed", "follow_ups_opened"}),
)
