"""The kernel's events (statemachines/kernel/events.py): the canonical content and digest a hash covers, the chain from
the genesis hash and what breaks it, crypto-shredding that keeps it verifiable, and the tasks and notices an event
opens. The exact bytes are pinned: a change to them would stop every recorded history from verifying."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import pytest
from pydantic import ValidationError

from statemachines.case.engine import CASE
from statemachines.case.transitions import Trigger
from statemachines.kernel.events import (
    GENESIS_HASH,
    CaseEvent,
    NoticeKind,
    TaskKind,
    TaskSpec,
    canonical_event_content,
    chain_hash,
    chained,
    first_broken_link,
    notice_for,
    payload_digest,
    task_notice,
)
from statemachines.kernel.outcomes import PayloadInvalid
from statemachines.kernel.roles import Role

NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
JST = timezone(timedelta(hours=9))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def body(seq: int = 1, payload: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """An event's content with its payload, as the engine hands it to ``chained``."""
    return {
        "case_id": "c1",
        "seq": seq,
        "at": NOW + timedelta(minutes=seq),
        "actor_id": "sw",
        "actor_roles": ["SW"],
        "command": "close",
        "command_id": f"k{seq}",
        "transition_id": "D1",
        "from_state": None if seq == 1 else "OPEN",
        "to_state": "SHUT",
        "payload": {"memo": f"面談 {seq}"} if payload is None else payload,
        **fields,
    }


def chain(length: int = 3) -> list[CaseEvent]:
    events: list[CaseEvent] = []
    prev = GENESIS_HASH
    for seq in range(1, length + 1):
        events.append(chained(body(seq), prev))
        prev = events[-1].hash
    return events


def altered(event: CaseEvent, **update: Any) -> CaseEvent:
    return event.model_copy(update=update)


# --- the canonical content and the payload's digest ---------------------------------------------------------------


def test_the_canonical_content_is_sorted_key_json_without_whitespace() -> None:
    content = canonical_event_content(
        case_id="c1",
        seq=1,
        at=NOW,
        actor_id="sw",
        actor_roles=["SW", "CSW"],
        command="close",
        command_id="k1",
        transition_id="D1",
        from_state=None,
        to_state="相談受付",
        payload_sha256="ab",
    )
    assert content == (
        '{"actor_id":"sw","actor_roles":["CSW","SW"],"at":"2026-04-01T01:00:00+00:00","case_id":"c1",'
        '"command":"close","command_id":"k1","from_state":null,"payload_sha256":"ab","seq":1,'
        '"to_state":"相談受付","transition_id":"D1"}'
    )


def test_the_payload_digest_is_the_sha256_of_its_sorted_compact_utf8_json() -> None:
    payload = {"b": {"d": [1, 2], "c": None}, "a": "相談"}
    assert payload_digest(payload) == sha256('{"a":"相談","b":{"c":null,"d":[1,2]}}')


def test_the_digest_does_not_depend_on_key_order_at_any_depth() -> None:
    one = {"a": 1, "b": {"x": "ア", "y": [{"p": 1, "q": 2}]}}
    other = {"b": {"y": [{"q": 2, "p": 1}], "x": "ア"}, "a": 1}
    assert payload_digest(one) == payload_digest(other)


def test_the_digest_keeps_the_order_of_a_list() -> None:
    assert payload_digest({"a": [1, 2]}) != payload_digest({"a": [2, 1]})


def test_a_nul_character_is_escaped_in_the_digest_not_dropped() -> None:
    assert payload_digest({"memo": "a\x00b"}) == sha256('{"memo":"a\\u0000b"}')
    assert payload_digest({"memo": "a\x00b"}) != payload_digest({"memo": "ab"})


def test_non_ascii_text_enters_the_digest_as_utf8_not_as_escapes() -> None:
    assert payload_digest({"memo": "生活困窮"}) == sha256('{"memo":"生活困窮"}')
    assert payload_digest({"memo": "生活困窮"}) != sha256('{"memo":"\\u751f\\u6d3b\\u56f0\\u7aae"}')


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "a\x00b"])
def test_a_payload_no_event_can_hold_is_refused_before_it_is_chained(text: str) -> None:
    """A lone surrogate cannot be encoded as UTF-8 (so not hashed) and a NUL not stored in PostgreSQL: the engine
    refuses either as an invalid payload, naming where it was, instead of failing while it chains the event."""
    payload = {"note": {"memo": text}, "items": ["ok", text]}
    with pytest.raises(PayloadInvalid) as refused:
        CASE.parse(Trigger.RECORD_CONTACT.value, payload)
    assert [error["loc"] for error in refused.value.errors] == [["note", "memo"], ["items", 1]]
    assert all("使用できない文字" in error["msg"] for error in refused.value.errors)


def test_the_actor_roles_enter_the_content_in_sorted_order() -> None:
    one = canonical_event_content(**body(actor_roles=["SW", "CSW"]))
    other = canonical_event_content(**body(actor_roles=["CSW", "SW"]))
    assert one == other


def test_the_payload_enters_the_content_by_its_digest() -> None:
    payload = {"memo": "面談"}
    fields = body(payload=payload)
    del fields["payload"]
    by_payload = canonical_event_content(**fields, payload=payload)
    assert by_payload == canonical_event_content(**fields, payload_sha256=payload_digest(payload))
    assert "面談" not in by_payload


def test_the_content_needs_the_payload_or_its_digest() -> None:
    fields = body()
    del fields["payload"]
    with pytest.raises(ValueError, match="payload or the payload's digest"):
        canonical_event_content(**fields)


def test_the_same_instant_in_another_zone_has_the_same_content() -> None:
    assert canonical_event_content(**body(at=NOW.astimezone(JST))) == canonical_event_content(**body(at=NOW))


# --- the chain ------------------------------------------------------------------------------------------------------


def test_the_genesis_hash_is_sixty_four_zeros() -> None:
    assert GENESIS_HASH == "0" * 64


def test_the_chain_hash_covers_the_previous_hash_a_newline_and_the_content() -> None:
    assert chain_hash(GENESIS_HASH, "{}") == sha256(GENESIS_HASH + "\n{}")


def test_a_chained_event_carries_its_payload_digest_and_its_hash_over_the_previous_one() -> None:
    event = chained(body(), GENESIS_HASH)
    assert event.payload_sha256 == payload_digest({"memo": "面談 1"})
    assert event.prev_hash == GENESIS_HASH
    assert event.hash == chain_hash(GENESIS_HASH, event.canonical_content())
    assert event.hash_is_valid()


def test_an_intact_chain_has_no_broken_link() -> None:
    assert first_broken_link(chain()) is None


def test_the_chain_is_checked_in_seq_order_whatever_order_the_events_come_in() -> None:
    assert first_broken_link(list(reversed(chain()))) is None


def test_a_chain_that_does_not_start_at_the_genesis_hash_is_broken_at_its_first_event() -> None:
    first = chained(body(1), "f" * 64)
    assert first_broken_link([first]) == 1


def test_a_middle_event_whose_payload_changed_breaks_the_chain_there() -> None:
    events = chain()
    events[1] = altered(events[1], payload={"memo": "改ざん"})
    assert not events[1].hash_is_valid()
    assert first_broken_link(events) == 2


def test_a_changed_payload_with_its_new_digest_still_breaks_the_chain() -> None:
    events = chain()
    forged = {"memo": "改ざん"}
    events[1] = altered(events[1], payload=forged, payload_sha256=payload_digest(forged))
    assert first_broken_link(events) == 2


def test_a_changed_state_in_a_middle_event_breaks_the_chain_there() -> None:
    events = chain()
    events[1] = altered(events[1], to_state="LOCKED")
    assert first_broken_link(events) == 2


def test_a_rehashed_middle_event_breaks_the_link_of_the_next() -> None:
    events = chain()
    forged = chained(body(2, payload={"memo": "改ざん"}), events[0].hash)
    assert forged.hash_is_valid()
    assert first_broken_link([events[0], forged, events[2]]) == 3


def test_a_missing_event_is_reported_by_the_seq_that_is_missing() -> None:
    first, _, third = chain()
    assert first_broken_link([first, third]) == 2


def test_an_event_of_seq_zero_is_refused() -> None:
    with pytest.raises(ValidationError):
        chained(body(0), GENESIS_HASH)


def test_an_event_is_frozen() -> None:
    event = chained(body(), GENESIS_HASH)
    with pytest.raises(ValidationError):
        event.to_state = "LOCKED"  # type: ignore[misc]


# --- crypto-shredding and events hashed before the digest -----------------------------------------------------------


def test_an_erased_event_keeps_its_digest_and_still_verifies() -> None:
    event = chained(body(), GENESIS_HASH)
    erased = event.erased()
    assert (erased.payload, erased.payload_erased, erased.payload_sha256) == ({}, True, event.payload_sha256)
    assert erased.hash_is_valid()


def test_a_chain_of_erased_events_is_still_intact() -> None:
    assert first_broken_link([event.erased() for event in chain()]) is None


def test_an_erased_event_whose_state_changed_no_longer_verifies() -> None:
    erased = chained(body(), GENESIS_HASH).erased()
    assert not altered(erased, to_state="LOCKED").hash_is_valid()


def test_an_event_marked_erased_that_still_carries_a_changed_payload_does_not_verify() -> None:
    event = chained(body(), GENESIS_HASH)
    assert not altered(event, payload={"memo": "改ざん"}, payload_erased=True).hash_is_valid()


def test_an_event_hashed_over_its_payload_inline_still_verifies_while_the_payload_is_there() -> None:
    fields = body()
    inline = json.loads(canonical_event_content(**fields))
    del inline["payload_sha256"]
    inline["payload"] = fields["payload"]
    content = json.dumps(inline, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    legacy = CaseEvent(**fields, prev_hash=GENESIS_HASH, hash=chain_hash(GENESIS_HASH, content))
    assert legacy.hash_is_valid()
    forged = {"memo": "改ざん"}
    assert not altered(legacy, payload=forged, payload_sha256=payload_digest(forged)).hash_is_valid()


# --- tasks and their notices ----------------------------------------------------------------------------------------


class Act(StrEnum):
    REVIEW = "review"


REVIEW = TaskKind("review", Role.CSW, Act.REVIEW, "計画の確認", "Check the plan")
URGENT = TaskKind("urgent", Role.SW, Act.REVIEW, "至急確認", "Check now", notice=NoticeKind.REMINDER)


def task(task_id: str, assignee: str | None) -> TaskSpec:
    return REVIEW.spec(task_id, chained(body(), GENESIS_HASH), assignee, None)


def test_a_task_opened_by_a_timer_is_a_deadline_notice() -> None:
    timed = chained(body(command_id="timer:plan_end:1"), GENESIS_HASH)
    assert notice_for(timed, None) is NoticeKind.DEADLINE


def test_a_task_opened_by_a_person_is_an_assignment_notice() -> None:
    assert notice_for(chained(body(), GENESIS_HASH), None) is NoticeKind.TASK_ASSIGNED


def test_a_task_kind_s_own_notice_wins_even_for_a_timer() -> None:
    timed = chained(body(command_id="timer:plan_end:1"), GENESIS_HASH)
    assert notice_for(timed, NoticeKind.REMINDER) is NoticeKind.REMINDER


def test_a_task_kind_opens_a_task_for_its_role_completed_by_its_command() -> None:
    due = NOW + timedelta(days=14)
    spec = URGENT.spec("t1", chained(body(), GENESIS_HASH), "sw", due)
    assert spec == TaskSpec(
        task_id="t1",
        kind="urgent",
        title_ja="至急確認",
        title_en="Check now",
        role="SW",
        assignee="sw",
        due_at=due,
        command="review",
        notice=NoticeKind.REMINDER,
    )


def test_a_notice_names_only_the_assigned_tasks_at_the_event_s_time() -> None:
    event = chained(body(), GENESIS_HASH)
    notice = task_notice(event, [task("t1", "csw"), task("t2", None)])
    assert notice is not None
    assert (notice.case_id, [t.task_id for t in notice.tasks], notice.at) == ("c1", ["t1"], event.at)


def test_no_notice_when_no_opened_task_has_an_assignee() -> None:
    assert task_notice(chained(body(), GENESIS_HASH), [task("t1", None)]) is None
