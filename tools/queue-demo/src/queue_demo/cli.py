"""The `queue-demo` command: parses arguments, wires in the SQS client, turns failures into one-line errors."""

import argparse
import math
import signal
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from rich.progress import MofNCompleteColumn, Progress

from queue_demo import check, display, publisher, sqs, subscriber

DEFAULT_COUNT = 100
EXIT_INTERRUPTED = 130  # what a shell reports for a command stopped by Ctrl-C


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (0 < value < math.inf):
        raise argparse.ArgumentTypeError(f"must be more than 0 and finite, not {text}")
    return value


def non_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="queue-demo",
        description="Publish numbered messages to an SQS queue, or receive and print them. "
        "A queue name ending in .fifo is a FIFO queue.",
        epilog="AWS credentials and region come from the usual environment and config files "
        "(region defaults to us-east-1); set AWS_ENDPOINT_URL to use a local emulator.",
    )
    parser.add_argument("--name", required=True, type=non_empty, help="the queue's name")
    parser.add_argument(
        "--client-name",
        metavar="NAME",
        type=non_empty,
        help="who is publishing: sent as the 'client' attribute and, on a FIFO queue, "
        "as the message group (required to publish)",
    )
    parser.add_argument(
        "--count", type=positive_int, help=f"how many messages to publish (default {DEFAULT_COUNT})"
    )
    parser.add_argument(
        "--prepend",
        metavar="TEXT",
        help="text put before each body, so a FIFO re-run is not de-duplicated away",
    )
    parser.add_argument(
        "--receive", action="store_true", help="receive, print and delete messages until Ctrl-C"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="with --receive: at the end, print how many messages arrived, "
        "were out of order and were duplicates",
    )
    parser.add_argument(
        "--idle-exit",
        type=positive_float,
        metavar="SECONDS",
        help="with --receive: stop after this many seconds with no message",
    )
    parser.add_argument(
        "--create", action="store_true", help="create the queue if it does not exist"
    )
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.receive:
        if args.count is not None or args.prepend is not None:
            parser.error("--count and --prepend apply only when publishing, not with --receive")
    else:
        if args.client_name is None:
            parser.error("--client-name is required to publish")
        if args.check or args.idle_exit is not None:
            parser.error("--check and --idle-exit apply only with --receive")
        args.count = DEFAULT_COUNT if args.count is None else args.count
        args.prepend = args.prepend or ""
    return args


def _stop(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out, err = display.consoles()
    # In a container the tool is PID 1, where SIGTERM has no default action:
    # without this, `docker stop` would wait and then kill it, summary unprinted.
    signal.signal(signal.SIGTERM, _stop)
    try:
        client = sqs.make_client()
        queue_url = sqs.queue_url(client, args.name, create=args.create)
        if args.receive:
            return run_subscriber(client, queue_url, args, out, err)
        return run_publisher(client, queue_url, args, out, err)
    except sqs.QueueMissing:
        err.print(
            display.error_line(
                f"queue {args.name!r} does not exist (check the name and the region, "
                "or pass --create to make it)"
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


def run_subscriber(client, queue_url, args, out, err) -> int:
    arrivals: list[check.Arrival] = []

    def show(arrival: check.Arrival) -> None:
        arrivals.append(arrival)
        out.print(display.arrival_line(arrival, datetime.now()))

    err.print(display.status_line(f"Receiving from {args.name} (Ctrl-C to stop)"))
    try:
        subscriber.receive(client, queue_url, show, idle_exit=args.idle_exit)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a subscriber is meant to stop: not an error
    finally:
        # Also after a failure: what did arrive is still worth counting.
        if args.check:
            for line in check.summary_lines(check.count(arrivals)):
                out.print(line, markup=False)
    return 0
