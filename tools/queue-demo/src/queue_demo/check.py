"""Counts what one subscriber saw: arrivals, out-of-order messages and duplicates, per client."""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# The publisher's bodies are "{prepend}Message {number}"; the prefix tells
# apart runs of the same client, so a --prepend re-run is a new sequence.
NUMBERED_BODY = re.compile(r"(?P<prefix>.*)Message (?P<number>\d+)", re.DOTALL)


@dataclass(frozen=True)
class Arrival:
    client: str
    body: str


@dataclass
class Tally:
    received: int = 0
    out_of_order: int = 0
    duplicates: int = 0

    def fields(self) -> str:
        return f"received={self.received} out_of_order={self.out_of_order} duplicates={self.duplicates}"


@dataclass
class Summary:
    clients: dict[str, Tally] = field(default_factory=dict)

    @property
    def total(self) -> Tally:
        return Tally(
            received=sum(t.received for t in self.clients.values()),
            out_of_order=sum(t.out_of_order for t in self.clients.values()),
            duplicates=sum(t.duplicates for t in self.clients.values()),
        )


def numbered(body: str) -> tuple[str, int] | None:
    """The (prefix, number) of a publisher's body, or None for any other body."""
    match = NUMBERED_BODY.fullmatch(body)
    if match is None:
        return None
    return match["prefix"], int(match["number"])


def count(arrivals: Iterable[Arrival]) -> Summary:
    """Tally arrivals in the order they arrived.

    A duplicate is a body that already arrived from the same client. A message
    is out of order when a higher-numbered one from the same client (and
    prefix) arrived before it; duplicates are not counted again as out of order.
    """
    summary = Summary()
    seen: set[Arrival] = set()
    highest: dict[tuple[str, str], int] = {}
    for arrival in arrivals:
        tally = summary.clients.setdefault(arrival.client, Tally())
        tally.received += 1
        if arrival in seen:
            tally.duplicates += 1
            continue
        seen.add(arrival)
        parsed = numbered(arrival.body)
        if parsed is None:
            continue
        prefix, number = parsed
        stream = (arrival.client, prefix)
        if stream in highest and number < highest[stream]:
            tally.out_of_order += 1
        else:
            highest[stream] = number
    return summary


def summary_lines(summary: Summary) -> list[str]:
    """The stable, machine-checkable report: one line per client, sorted, then the total.

    check client="alice" received=100 out_of_order=0 duplicates=0
    check total received=100 out_of_order=0 duplicates=0
    """
    # JSON-quoting keeps a client name with spaces or '=' on one parseable line.
    lines = [
        f"check client={json.dumps(name, ensure_ascii=False)} {tally.fields()}"
        for name, tally in sorted(summary.clients.items())
    ]
    lines.append(f"check total {summary.total.fields()}")
    return lines
