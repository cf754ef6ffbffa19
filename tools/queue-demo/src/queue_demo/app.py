"""Runs the publisher or the subscriber against SQS, and turns failures into one-line errors."""

import argparse
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from rich.progress import MofNCompleteColumn, Progress

from queue_demo import check, display, publisher, sqs, subscriber
from queue_demo.interrupts import EXIT_INTERRUPTED, Interrupts


def run(args: argparse.Namespace) -> int:
    """Publish or receive as the arguments say; the exit status is the result."""
    out, err = display.consoles()
    interrupts = Interrupts()
    interrupts.install()
    try:
        client = sqs.make_client()
        queue_url = sqs.queue_url(client, args.name, create=args.create)
        if args.receive:
            return run_subscriber(client, queue_url, args, out, err, interrupts)
        return run_publisher(client, queue_url, args, out, err)
    except sqs.QueueMissing:
        err.print(
            display.error_line(
                f"queue {args.name!r} does not exist (check the name and the region, or pass --create to make it)"
            )
        )
        return 1
    except (BotoCoreError, ClientError) as error:
        err.print(display.error_line(str(error)))
        return 1
    except KeyboardInterrupt:
        err.print(display.status_line("Interrupted."))
        return EXIT_INTERRUPTED


def run_publisher(client, queue_url, args, out, err) -> int:
    if sqs.is_fifo(args.name) and not args.prepend:
        # SQS accepts a de-duplicated message as if it were sent, so without
        # this hint a second publisher's messages vanish without a word.
        err.print(
            display.status_line(
                "FIFO: bodies sent in the last 5 minutes, by any client, are dropped "
                "as duplicates; use --prepend to make bodies distinct."
            )
        )
    progress = Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=err)
    sent = 0
    try:
        with progress:
            numbers = progress.track(range(args.count), description=f"Publishing to {args.name}")
            for _ in publisher.publish(
                client,
                queue_url,
                client_name=args.client_name,
                numbers=numbers,
                prepend=args.prepend,
                fifo=sqs.is_fifo(args.name),
            ):
                sent += 1
    except KeyboardInterrupt:
        err.print(display.status_line(f"Interrupted after {sent} of {args.count} messages."))
        return EXIT_INTERRUPTED
    out.print(f"Sent {sent} messages to {args.name} as {args.client_name}", markup=False)
    return 0


def run_subscriber(client, queue_url, args, out, err, interrupts: Interrupts) -> int:
    arrivals: list[check.Arrival] = []

    def show(arrival: check.Arrival) -> None:
        arrivals.append(arrival)
        out.print(display.arrival_line(arrival, datetime.now()))

    who = f" as {args.client_name}" if args.client_name else ""
    err.print(display.status_line(f"Receiving from {args.name}{who} (Ctrl-C to stop)"))
    try:
        subscriber.receive(client, queue_url, show, idle_exit=args.idle_exit, held=interrupts.held)
    except KeyboardInterrupt:
        # Ctrl-C is how a subscriber is meant to stop: not an error. The line
        # also moves past the "^C" a terminal echoes.
        err.print(display.status_line("Stopped."))
    finally:
        # Also after a failure: what did arrive is still worth counting.
        if args.check:
            with interrupts.held():
                for line in check.summary_lines(check.count(arrivals)):
                    out.print(line, markup=False)
    return 0
