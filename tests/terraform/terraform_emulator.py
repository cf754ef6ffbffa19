"""moto's server in this process, with what Terraform's AWS provider needs from it that moto lacks."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from unittest import mock


def _no_tags(_response) -> str:
    return json.dumps({"Tags": {}})


def _nothing(_response) -> str:
    return json.dumps({})


def _compact_redrive_policy(original: property) -> property:
    # SQS answers a queue's RedrivePolicy as compact JSON; moto adds spaces after the separators,
    # which every later plan shows as a change and applies (~25 s of waiting per queue).
    def attributes(queue) -> dict:
        result = original.fget(queue)
        if result.get("RedrivePolicy"):  # None when there is none
            result["RedrivePolicy"] = json.dumps(json.loads(result["RedrivePolicy"]), separators=(",", ":"))
        return result

    return property(attributes)


@contextlib.contextmanager
def aws_emulator() -> Iterator[str]:
    """moto's server on 127.0.0.1 (a free port) in a thread of this process; yields its URL."""
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.server import ThreadedMotoServer
    from moto.sqs.models import Queue

    with contextlib.ExitStack() as patches:
        # AWS-managed policies (the RDS monitoring role attaches one) exist only when moto loads them.
        patches.enter_context(mock.patch.dict(os.environ, {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}))
        # moto has no ListTagsForResource/TagResource/UntagResource for Application Auto Scaling;
        # the provider calls them after creating a scalable target and retries for minutes on
        # the "not implemented" answer. Nothing reads those tags back.
        for name, answer in (
            ("list_tags_for_resource", _no_tags),
            ("tag_resource", _nothing),
            ("untag_resource", _nothing),
        ):
            patches.enter_context(mock.patch.object(ApplicationAutoScalingResponse, name, answer, create=True))
        patches.enter_context(mock.patch.object(Queue, "attributes", _compact_redrive_policy(Queue.attributes)))
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            # moto keeps its state in this process: leave none behind for whatever runs next.
            import requests

            requests.post(f"http://{host}:{port}/moto-api/reset", timeout=10)
            server.stop()
