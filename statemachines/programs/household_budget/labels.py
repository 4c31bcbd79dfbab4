"""家計改善支援事業's words on the case page (process.md §3.5: 家計表、キャッシュフロー表、家計再生プラン)."""

from __future__ import annotations

from statemachines.programs.definition import Labels

LABELS = Labels(
    fields={
        "decided_on": "支援決定日",
        "budget": "家計表",
        "monthly_income": "月の収入（円）",
        "monthly_expenses": "月の支出（円）",
        "debt_count": "債務の件数",
        "debt_total": "債務の総額（円）",
        "arrears_count": "滞納の件数",
        "cash_flow": "キャッシュフロー表",
        "month": "月",
        "income": "収入（円）",
        "expenses": "支出（円）",
        "items": "家計再生プランの項目",
        "agreed_on": "同意日",
        "client_agreed": "本人が同意した",
        "action": "支援の記録",
        "counterpart": "相手先",
        "check": "家計の確認",
        "checked_on": "確認日",
        "on_track": "プランどおり",
        "plan_items": "家計再生プランの項目",
        "plan_agreed_on": "家計再生プランの同意日",
        "actions": "支援の記録",
        "maintenance_started_at": "定期確認の開始日時",
        "last_check_at": "最後の確認日時",
        "checks": "家計の確認",
        "end_reason": "終了の理由",
    },
    options={
        "arrears": "滞納",
        "debt": "債務",
        "loan": "貸付",
        "benefits": "給付・制度の利用",
        "spending": "支出の見直し",
        "income": "収入の増加",
        "arrears_resolution": "滞納の解消",
        "debt_settlement_accompaniment": "債務整理への同行",
        "loan_arrangement": "貸付のあっせん",
        "benefit_application": "給付の申請支援",
        "houterasu": "法テラス",
        "lawyer": "弁護士",
        "judicial_scrivener": "司法書士",
        "social_welfare_council": "社会福祉協議会",
        "creditor": "債権者",
    },
    bookkeeping=frozenset({"check_due_for"}),
)
