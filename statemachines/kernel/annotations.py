"""Reading a field's type from its annotation: the one place that strips ``Annotated`` (a field's sensitivity tag)
and ``None`` (an optional field) off it. The 訂正 (``statemachines.case.corrections``) finds the field a path names with
it, and the web's forms and sheets (``web.core.forms``) choose an input or a label with it."""

from __future__ import annotations

import types
import typing
from typing import Any


def unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``Annotated`` and ``None``, and whether None was allowed. A union of several types
    besides None stays a union of them."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0] if len(args) == 1 else typing.Union[tuple(args)]  # noqa: UP007
            if len(args) != 1:
                return annotation, optional
        else:
            return annotation, optional
