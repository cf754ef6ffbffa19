"""The `queue-demo` command line: its arguments, their checks, and the entry point."""

import argparse
import math

from queue_demo.interrupts import EXIT_INTERRUPTED

DEFAULT_COUNT = 100


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
    parser.add_argument("--count", type=positive_int, help=f"how many messages to publish (default {DEFAULT_COUNT})")
    parser.add_argument(
        "--prepend",
        metavar="TEXT",
        help="text put before each body, so a FIFO re-run is not de-duplicated away",
    )
    parser.add_argument("--receive", action="store_true", help="receive, print and delete messages until Ctrl-C")
    parser.add_argument(
        "--check",
        action="store_true",
        help="with --receive: at the end, print how many messages arrived, were out of order and were duplicates",
    )
    parser.add_argument(
        "--idle-exit",
        type=positive_float,
        metavar="SECONDS",
        help="with --receive: stop after this many seconds with no message",
    )
    parser.add_argument("--create", action="store_true", help="create the queue if it does not exist")
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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        # Imported only now, so --help and argument errors answer without loading boto3.
        from queue_demo.app import run

        return run(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED  # Ctrl-C before the tool had started: nothing to report
