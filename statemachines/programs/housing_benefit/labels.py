"""住居確保給付金's words on the case page (process.md §3.1; 施行規則§13 様式の申請書・申請時確認書の項目)."""

from __future__ import annotations

from statemachines.programs.definition import Labels

LABELS = Labels(
    fields={
        "application": "申請書（申請時確認書）",
        "applied_on": "申請日",
        "route": "申請の事由",
        "job_loss_on": "離職・廃業日",
        "days_unable_to_seek": "疾病・負傷・育児等で求職できなかった日数",
        "main_earner": "主たる生計維持者",
        "household_income": "世帯の収入額（月額・円）",
        "base_amount": "基準額（月額・円）",
        "rent": "家賃額（月額・円）",
        "rent_cap": "住宅扶助基準に基づく額（円）",
        "household_assets": "世帯の金融資産（円）",
        "housing_lost": "住居を喪失している",
        "hw_job_application": "ハローワークに求職の申込みをした",
        "previous_payment_ended_on": "前回の支給終了日",
        "repayment_exception": "再支給の特例",
        "moved_in_on": "入居日",
        "reported_on": "住居確保報告書の提出日",
        "decided_on": "支給決定日",
        "period_start": "支給開始日",
        "evidence": "求職活動の状況",
        "month": "対象月",
        "agency_consultations": "自立相談支援機関での面談（回）",
        "hw_consultations": "ハローワークでの職業相談（回）",
        "applications": "企業等への応募（回）",
        "employed_on": "就職日",
        "permanent": "常用就職（期間の定めなし、または6か月以上）",
        "reason": "中止の理由",
        "months_granted": "支給決定した月数（通算）",
        "period_end": "現在の支給期間の末日",
        "stop_reason": "中止の理由",
        "ended_on": "支給終了日",
    },
    options={
        "job_loss": "離職",
        "business_closure": "廃業",
        "income_drop": "給与等の減少（離職・廃業と同程度）",
        "dismissal": "解雇（自己の責めによらない）",
        "closure": "事業の休止・廃止",
        "obligations_not_met": "求職活動等の要件を満たさない",
        "false_statement": "虚偽の申請等",
        "income_over_limit": "収入が基準額を超えた",
        "public_assistance": "生活保護の開始",
    },
    bookkeeping=frozenset({"extension_warned_for", "checked_months"}),
)
