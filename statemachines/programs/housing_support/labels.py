"""居住支援事業／一時生活支援事業's words on the case page (process.md §3.4)."""

from __future__ import annotations

from statemachines.programs.definition import Labels
from statemachines.programs.means import MEANS_LABELS

LABELS = MEANS_LABELS | Labels(
    fields={
        "public_assistance_recipient": "被保護者（生活保護法第55条の10）",
        "decided_on": "支援決定日",
        "facility": "入所先（シェルター）",
        "months": "延長する月数",
        "services": "地域居住支援の内容",
        "activity": "支援の記録",
        "moved_in_on": "入居日",
        "protection_started_on": "保護開始日",
        "shelter_started_at": "入所日時",
        "shelter_until": "入所の期限",
        "extension_reasons": "延長の理由",
        "activities": "支援の記録",
        "public_assistance_from": "保護開始日",
        "end_reason": "終了の理由",
    },
    options={
        "shelter": "一時生活支援（シェルター）",
        "community": "地域居住支援",
        "move_in_support": "入居支援",
        "watching_over": "見守り",
        "property_search": "物件探し",
        "agent_accompaniment": "不動産業者への同行",
        "guarantor_arrangement": "保証人・保証会社の調整",
        "after_move_in": "入居後の支援",
    },
    bookkeeping=frozenset({"warned_for", "limit_reached_for"}),
)
