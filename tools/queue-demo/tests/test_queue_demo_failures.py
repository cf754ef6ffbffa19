"""Where the practical's original tool fell over: now one clear line each, never a traceback."""

import http.server
import json
import signal
import threading

import pytest

# Real servers (moto, or a throttling stand-in) in other processes: `make unit-tests` skips these.
pytestmark = pytest.mark.integration


def assert_one_line_error(result, *expected: str):
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("queue-demo: error:")]
    assert len(errors) == 1, result.stderr
    for text in expected:
        assert text in errors[0]


@pytest.mark.parametrize("mode", [["--client-name", "alice"], ["--receive"]])
def test_a_missing_queue_is_named_and_exits_1(demo, mode):
    result = demo.run("--name", "no_such_queue", *mode)

    assert_one_line_error(result, "queue 'no_such_queue' does not exist", "--create")


def test_a_message_without_the_client_attribute_is_from_unknown(demo, sqs):
    url = sqs.create_queue(QueueName="csse6400_prac")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="sent by some other tool")

    result = demo.run("--name", "csse6400_prac", "--receive", "--idle-exit", "1")

    assert result.returncode == 0, result.stderr
    assert result.arrivals == [("unknown", "sent by some other tool")]


def test_region_defaults_to_us_east_1(demo, sqs):
    # The sqs fixture makes the queue in us-east-1; the tool is given no region.
    sqs.create_queue(QueueName="csse6400_prac")

    result = demo.run("--name", "csse6400_prac", "--client-name", "alice", "--count", "3", AWS_DEFAULT_REGION=None)

    assert result.returncode == 0, result.stderr
    assert (
        sqs.get_queue_attributes(
            QueueUrl=sqs.get_queue_url(QueueName="csse6400_prac")["QueueUrl"],
            AttributeNames=["ApproximateNumberOfMessages"],
        )["Attributes"]["ApproximateNumberOfMessages"]
        == "3"
    )


def test_an_unreachable_endpoint_is_reported(offline_demo, unused_url):
    result = offline_demo.run("--name", "csse6400_prac", "--receive", AWS_ENDPOINT_URL=unused_url, AWS_MAX_ATTEMPTS="2")

    assert_one_line_error(result, "Could not connect to the endpoint URL", unused_url)


class Throttling(http.server.BaseHTTPRequestHandler):
    """An SQS endpoint that throttles every request, as AWS does under load."""

    requests = 0

    def do_POST(self):
        type(self).requests += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"__type": "com.amazonaws.sqs#ThrottlingException", "message": "Rate exceeded"})
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def throttling_url():
    Throttling.requests = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Throttling)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_throttling_is_retried_then_reported(offline_demo, throttling_url):
    result = offline_demo.run(
        "--name",
        "csse6400_prac",
        "--client-name",
        "alice",
        AWS_ENDPOINT_URL=throttling_url,
        AWS_MAX_ATTEMPTS="2",
    )

    assert_one_line_error(result, "ThrottlingException", "Rate exceeded")
    assert Throttling.requests == 2  # the first try and one retry


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_a_subscriber_exits_cleanly_with_the_summary(demo, stop):
    # Given three messages waiting and a subscriber that has shown them
    published = demo.run("--name", "csse6400_prac", "--client-name", "alice", "--count", "3", "--create")
    assert published.returncode == 0
    subscriber = demo.start("--name", "csse6400_prac", "--receive", "--check")
    subscriber.wait_for_lines(3)

    # When it is stopped while it waits for more
    subscriber.process.send_signal(stop)
    result = subscriber.finish(timeout=30)

    # Then it exits 0, shows no traceback, and counts what it saw
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.bodies("alice") == ["Message 0", "Message 1", "Message 2"]
    assert result.summary["total"] == {"received": 3, "out_of_order": 0, "duplicates": 0}
    assert result.stdout.splitlines()[-1] == "check total received=3 out_of_order=0 duplicates=0"
