"""How the tool looks on a terminal: message lines, status lines and errors, through rich."""

from datetime import datetime

from rich.console import Console
from rich.text import Text

from queue_demo.check import Arrival


def consoles() -> tuple[Console, Console]:
    """Consoles for stdout (messages, summary) and stderr (progress, status, errors)."""
    # soft_wrap keeps each message on one line however narrow the terminal or
    # pipe, and highlight=False stops rich colouring numbers in bodies.
    return (
        Console(highlight=False, soft_wrap=True),
        Console(stderr=True, highlight=False, soft_wrap=True),
    )


def arrival_line(arrival: Arrival, at: datetime) -> Text:
    # Text, not a markup string: a body such as "[bold]" must print as it is.
    return Text.assemble((f"[{at:%H:%M:%S}]", "dim"), " ", (arrival.client, "bold cyan"), ": ", arrival.body)


def status_line(message: str) -> Text:
    return Text(message, style="dim")


def error_line(message: str) -> Text:
    return Text(f"queue-demo: error: {' '.join(message.split())}", style="bold red")
