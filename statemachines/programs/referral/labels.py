"""関係機関へのつなぎ's words on the case page (process.md §6)."""

from __future__ import annotations

from statemachines.programs.definition import Labels

LABELS = Labels(
    fields={
        "answered_on": "回答日",
        "connected": "つながった",
        "sendings": "紹介の記録",
        "sent_at": "紹介日時",
        "answer": "つなぎ先の回答",
        "answer_note": "回答の内容",
        "no_answer_flagged": "期限までに回答がなかった",
        "follow_ups": "フォローアップの記録",
        "outcome_connected": "つながった",
        "outcome_confirmed_on": "つながったことの確認日",
        "outcome_note": "確認の内容",
        "close_reason": "終了の理由",
    },
    options={
        "accepted": "受け入れ",
        "declined": "受け入れられない",
    },
)
