"""`make notifications`: what the notifier published to SNS on the local emulator, newest last."""

from __future__ import annotations

import argparse
import os
import sys

import requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make notifications", description=__doc__)
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"))
    args = parser.parse_args(argv)
    try:
        state = requests.get(f"{args.endpoint}/moto-api/data.json", timeout=5).json()
    except requests.RequestException:
        print(f"No AWS emulator answers at {args.endpoint}: is `make up` running?", file=sys.stderr)
        return 1
    printed = 0
    for topic in state.get("sns", {}).get("Topic", []):
        for notification in topic.get("sent_notifications", []):
            # moto records each publish as [message id, message, subject, attributes, group id, ...]
            message_id, message, subject, attributes = notification[:4]
            print(f"--- {topic['arn']}  ({message_id})")
            print(f"Subject: {subject}")
            for name, value in sorted((attributes or {}).items()):
                print(
                    f"{name}: {value.get('Value', value.get('StringValue', value)) if isinstance(value, dict) else value}"
                )
            print(f"\n{message}\n")
            printed += 1
    if not printed:
        print("Nothing published yet.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
