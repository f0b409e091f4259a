"""How the events that are neither scalars nor samples are kept in metrics.sqlite's `events` table: one table of
kinds, read by the writer (`encode`) and the reader (`decode`) alike, so a kind is spelled in one place.

A stored kind is the event's kind name, with a qualifier after a colon where the event has one ("alert:non_finite").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.runs.events import AlertEvent, CheckpointEvent, ControlEvent, Event, LayoutEvent, RunEndEvent


@dataclass(frozen=True)
class _Kind:
    name: str
    type: type
    message: Callable[[Any], str]  # the event → the stored message
    qualifier: Callable[[Any], str] | None  # the event → the part after "name:"; None: the kind has none
    decode: Callable[[int, float, str, str], Event]  # step, wall, qualifier, message → the event


def _layout_message(event: LayoutEvent) -> str:
    return json.dumps({"losses": list(event.losses), "total_steps": event.total_steps})


def _layout(step: int, wall: float, _qualifier: str, message: str) -> LayoutEvent:
    doc = json.loads(message)
    return LayoutEvent(step, wall, tuple(doc.get("losses", ())), int(doc.get("total_steps", 0)))


KINDS = (
    _Kind("layout", LayoutEvent, _layout_message, None, _layout),
    _Kind("checkpoint", CheckpointEvent, lambda e: e.path, None, lambda s, w, _q, m: CheckpointEvent(s, w, m)),
    _Kind("alert", AlertEvent, lambda e: e.message, lambda e: e.kind, lambda s, w, q, m: AlertEvent(s, w, q, m)),
    _Kind("control", ControlEvent, lambda e: str(e.request), lambda e: e.action,
          lambda s, w, q, m: ControlEvent(s, w, q, int(m or 0))),
    _Kind("end", RunEndEvent, lambda e: e.status, None, lambda s, w, _q, m: RunEndEvent(s, w, m)),
)
_BY_TYPE = {kind.type: kind for kind in KINDS}
_BY_NAME = {kind.name: kind for kind in KINDS}


def encode(event: Event) -> tuple[str, str]:
    """(stored kind, message) of an event kept in the `events` table."""
    kind = _BY_TYPE.get(type(event))
    if kind is None:
        raise TypeError(f"{type(event).__name__} is not kept in the events table")
    name = kind.name if kind.qualifier is None else f"{kind.name}:{kind.qualifier(event)}"
    return name, kind.message(event)


def decode(step: int, wall: float, stored_kind: str, message: str) -> Event | None:
    """The event of an `events` row; None for a kind this version does not know (written by a newer one) or a
    message it cannot read."""
    name, _, qualifier = stored_kind.partition(":")
    kind = _BY_NAME.get(name)
    if kind is None:
        return None
    try:
        return kind.decode(step, wall, qualifier, message)
    except (ValueError, TypeError, AttributeError):  # e.g. a layout row that is not JSON
        return None
