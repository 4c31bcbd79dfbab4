"""The 関係機関 directory in the read model: the ``institutions`` table, its repository and the CSV loader.

The directory CSV is UTF-8, with or without a BOM, and has this header line (columns in any order, all present)::

    institution_id,name_ja,name_kana,category,municipality,area_code,address,phone,email,accepts_referrals,note

``category`` is a :class:`~statemachines.institutions.InstitutionCategory` id (``community_general_support_center``)
or its Japanese name (``地域包括支援センター``); ``area_code`` the 日常生活圏域 (中学校区) code; ``accepts_referrals``
``true`` or ``false``; ``name_kana``, ``email`` and ``note`` may be empty. Every row is checked and every problem
reported with its line number (:class:`~store.errors.DirectoryCsvError`); nothing is loaded from a file with one.

The repository never commits.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import ColumnElement, Index, String, Text, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from statemachines.policy.institutions import Institution, InstitutionCategory
from store.errors import CsvRowError, DirectoryCsvError, DuplicateInstitutionError
from store.models import Base
from store.queries import Page

CSV_COLUMNS: tuple[str, ...] = tuple(Institution.model_fields)
"""The documented header of a directory CSV: the fields of :class:`Institution`, in this order."""

_CHUNK = 500  # ids per IN (...) when reading what an import would change


class InstitutionRecord(Base):
    """A 関係機関 of the directory (an :class:`Institution`). Not personal data: organisations' public contacts."""

    __tablename__ = "institutions"
    __table_args__ = (
        Index("ix_institutions_municipality_category", "municipality", "category"),
        Index("ix_institutions_area_code", "area_code"),
    )

    institution_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    municipality: Mapped[str] = mapped_column(String(64))
    area_code: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    accepts_referrals: Mapped[bool]
    note: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class UpsertCounts:
    added: int
    updated: int
    unchanged: int


_TEXT_COLUMNS = (
    InstitutionRecord.name_ja,
    InstitutionRecord.name_kana,
    InstitutionRecord.address,
    InstitutionRecord.note,
)
_CATEGORY_ORDER = case(
    {c.value: i for i, c in enumerate(InstitutionCategory)},
    value=InstitutionRecord.category,
    else_=len(InstitutionCategory),
)
_ORDER = (
    InstitutionRecord.municipality,
    InstitutionRecord.area_code,
    _CATEGORY_ORDER,
    func.coalesce(InstitutionRecord.name_kana, InstitutionRecord.name_ja),
    InstitutionRecord.institution_id,
)
"""Municipality, area, category in the order of process.md §6, then name (読み仮名 where known)."""


class InstitutionRepository:
    """The directory, inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, institution: Institution) -> None:
        """Store a new institution; :class:`DuplicateInstitutionError` if its id is taken."""
        if self._session.get(InstitutionRecord, institution.institution_id) is not None:
            raise DuplicateInstitutionError(institution.institution_id, "このIDは既に登録されています。")
        self._insert([InstitutionRecord(**institution.model_dump(mode="json"))])

    def upsert_many(
        self, institutions: Iterable[Institution], *, visible: Collection[str] | None = None
    ) -> UpsertCounts:
        """Add the new institutions and overwrite the stored ones with the same id (the last one given wins).

        With ``visible``, an id already used by an institution of another municipality is refused
        (:class:`DuplicateInstitutionError`) before anything changes.
        """
        given = {i.institution_id: i for i in institutions}
        stored = {r.institution_id: r for r in self._records(list(given))}
        if visible is not None:
            for other in stored.values():
                if other.municipality not in visible:
                    raise DuplicateInstitutionError(other.institution_id, "他の自治体の関係機関に使われています。")
        new: list[InstitutionRecord] = []
        updated = 0
        for institution_id, institution in given.items():
            values = institution.model_dump(mode="json")
            record = stored.get(institution_id)
            if record is None:
                new.append(InstitutionRecord(**values))
            elif _to_model(record) != institution:
                for key, value in values.items():
                    setattr(record, key, value)
                updated += 1
        self._insert(new)
        return UpsertCounts(added=len(new), updated=updated, unchanged=len(given) - len(new) - updated)

    def get(self, institution_id: str, *, visible: Collection[str] | None = None) -> Institution | None:
        """The institution, or None if there is none (or, with ``visible``, it is of another municipality)."""
        if "\x00" in institution_id:  # never stored, and PostgreSQL refuses it in a parameter
            return None
        record = self._session.get(InstitutionRecord, institution_id)
        if record is None or (visible is not None and record.municipality not in visible):
            return None
        return _to_model(record)

    def search(
        self,
        visible: Collection[str],
        *,
        category: InstitutionCategory | None = None,
        area_code: str | None = None,
        text: str | None = None,
        accepts_referrals: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Institution]:
        """Institutions of the ``visible`` municipalities, by municipality, area, category (§6 order) and name.

        ``text`` is split on white space (full-width too): every word must occur, ignoring case, in the name, its
        読み仮名, the address or the note. ``%``, ``_`` and ``\\`` in it match themselves.
        """
        if limit < 1 or offset < 0:
            raise ValueError(f"limit must be at least 1 and offset at least 0 (got {limit}, {offset})")
        if "\x00" in f"{text}{area_code}":  # never stored, and PostgreSQL refuses it in a parameter
            return Page[Institution](items=[], total=0, limit=limit, offset=offset)
        conditions: list[ColumnElement[bool]] = [InstitutionRecord.municipality.in_(visible), *_words(text)]
        if category is not None:
            conditions.append(InstitutionRecord.category == category.value)
        if area_code is not None:
            conditions.append(InstitutionRecord.area_code == area_code)
        if accepts_referrals is not None:
            conditions.append(InstitutionRecord.accepts_referrals == accepts_referrals)
        total = self._session.scalar(select(func.count()).select_from(InstitutionRecord).where(*conditions)) or 0
        stmt = select(InstitutionRecord).where(*conditions).order_by(*_ORDER).limit(limit).offset(offset)
        items = [_to_model(r) for r in self._session.scalars(stmt)]
        return Page[Institution](items=items, total=total, limit=limit, offset=offset)

    def areas(self, municipality: str) -> list[str]:
        """The 日常生活圏域 codes the municipality's institutions are in, sorted."""
        stmt = (
            select(InstitutionRecord.area_code)
            .where(InstitutionRecord.municipality == municipality)
            .distinct()
            .order_by(InstitutionRecord.area_code)
        )
        return list(self._session.scalars(stmt))

    def _records(self, ids: list[str]) -> Iterator[InstitutionRecord]:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            yield from self._session.scalars(
                select(InstitutionRecord).where(InstitutionRecord.institution_id.in_(chunk))
            )

    def _insert(self, records: list[InstitutionRecord]) -> None:
        """Flush in a savepoint, so that a concurrent insert of the same id is a domain error, not a broken session."""
        try:
            with self._session.begin_nested():
                self._session.add_all(records)
        except IntegrityError as exc:
            raise DuplicateInstitutionError(
                next(iter(r.institution_id for r in records), "?"), "同時に登録されました。"
            ) from exc


def _to_model(record: InstitutionRecord) -> Institution:
    return Institution.model_validate(record, from_attributes=True)


def _words(text: str | None) -> list[ColumnElement[bool]]:
    """One condition per word of ``text``: the word occurs in one of the text columns, case-insensitively."""
    conditions: list[ColumnElement[bool]] = []
    for word in (text or "").split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(or_(*(column.ilike(f"%{escaped}%", escape="\\") for column in _TEXT_COLUMNS)))
    return conditions


# -- the CSV loader ---------------------------------------------------------------------------------------------


def load_csv(
    source: str | os.PathLike[str] | IO[str] | bytes, *, municipalities: Collection[str] | None = None
) -> list[Institution]:
    """The institutions of a directory CSV: a file path, an open text stream, or the bytes of a file.

    With ``municipalities``, a row of any other municipality is an error too. :class:`DirectoryCsvError` with every
    problem (line and column) if any row is wrong, or the file is not UTF-8.
    """
    try:
        if isinstance(source, bytes):
            return _parse(io.StringIO(source.decode("utf-8-sig"), newline=""), municipalities)
        if isinstance(source, str | os.PathLike):
            with open(source, encoding="utf-8-sig", newline="") as stream:
                return _parse(stream, municipalities)
        return _parse(source, municipalities)
    except UnicodeDecodeError as exc:
        raise DirectoryCsvError([CsvRowError(0, None, "文字コードを UTF-8 にして保存してください。")]) from exc


def _parse(lines: Iterable[str], municipalities: Collection[str] | None) -> list[Institution]:
    reader = csv.reader(_without_bom(lines))
    errors: list[CsvRowError] = []
    found: dict[str, tuple[int, Institution]] = {}
    try:
        header = _header(next(reader, None))
        last_line = reader.line_num
        for row in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in row):
                errors += _check_row(line, header, row, municipalities, found)
    except csv.Error as exc:
        errors.append(CsvRowError(reader.line_num, None, f"CSVとして読めません: {exc}"))
    if errors:
        raise DirectoryCsvError(errors)
    return [institution for _, institution in found.values()]


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    """The lines, the first without a byte order mark (a stream opened as plain ``utf-8`` keeps it)."""
    iterator = iter(lines)
    first = next(iterator, None)
    if first is not None:
        yield first.removeprefix("\ufeff")
        yield from iterator


def _header(row: list[str] | None) -> list[str]:
    if not row:
        raise DirectoryCsvError([CsvRowError(1, None, f"見出し行がありません（{','.join(CSV_COLUMNS)}）。")])
    header = [cell.strip() for cell in row]
    errors = [CsvRowError(1, c, "見出しに列がありません。") for c in CSV_COLUMNS if c not in header]
    errors += [CsvRowError(1, c, "見出しの列名が正しくありません。") for c in header if c not in CSV_COLUMNS]
    errors += [CsvRowError(1, c, "見出しの列が重複しています。") for c in sorted(set(header)) if header.count(c) > 1]
    if errors:
        raise DirectoryCsvError(errors)
    return header


def _check_row(
    line: int,
    header: list[str],
    row: list[str],
    municipalities: Collection[str] | None,
    found: dict[str, tuple[int, Institution]],
) -> list[CsvRowError]:
    """The problems of one row; a good row joins ``found``."""
    if len(row) != len(header):
        return [CsvRowError(line, None, f"列の数が {len(row)} です（見出しは {len(header)} 列）。")]
    values = {column: cell.strip() for column, cell in zip(header, row, strict=True) if cell.strip()}
    try:
        institution = Institution.model_validate(values)
    except ValidationError as exc:
        return [CsvRowError(line, _column(e), _message(e)) for e in exc.errors()]
    if municipalities is not None and institution.municipality not in municipalities:
        return [CsvRowError(line, "municipality", f"{institution.municipality} の関係機関は登録できません（担当外）。")]
    first = found.get(institution.institution_id)
    if first is not None:
        return [CsvRowError(line, "institution_id", f"{first[0]} 行目と同じIDです。")]
    found[institution.institution_id] = (line, institution)
    return []


def _column(error: ErrorDetails) -> str | None:
    return str(error["loc"][0]) if error["loc"] else None


_MESSAGES: dict[str, str] = {
    "missing": "必須の項目です。",
    "string_too_short": "必須の項目です。",
    "string_too_long": "{max_length}文字以内にしてください。",
    "string_pattern_mismatch": "形式が正しくありません（{input}）。",
    "enum": "関係機関の種別ではありません（{input}）。種別IDか日本語名で指定してください。",
    "bool_parsing": "true か false で指定してください（{input}）。",
    "value_error": "{error}",
}


def _message(error: ErrorDetails) -> str:
    template = _MESSAGES.get(error["type"])
    if template is None:
        return error["msg"]
    context: dict[str, Any] = {**error.get("ctx", {}), "input": error.get("input")}
    return template.format(**context)
