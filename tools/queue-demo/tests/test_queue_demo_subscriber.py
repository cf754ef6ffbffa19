"""The receive loop and the client it is given, with a fake SQS in place of boto3."""

from queue_demo import sqs
from queue_demo.check import Arrival
from queue_demo.subscriber import receive


class FakeSQS:
    """Hands out prepared batches, then nothing, and records what was deleted."""

    def __init__(self, batches, clock):
        self.batches = list(batches)
        self.clock = clock
        self.deleted: list[str] = []
        self.waits: list[int] = []

    def receive_message(self, *, QueueUrl, WaitTimeSeconds, **options):
        self.waits.append(WaitTimeSeconds)
        if self.batches:
            return {"Messages": self.batches.pop(0)}
        self.clock.now += WaitTimeSeconds  # an empty long poll takes its whole wait
        return {}

    def delete_message(self, *, QueueUrl, ReceiptHandle):
        self.deleted.append(ReceiptHandle)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def message(handle, body, client=None):
    attributes = {"client": {"DataType": "String", "StringValue": client}} if client else {}
    return {"ReceiptHandle": handle, "Body": body, "MessageAttributes": attributes}


def test_each_message_is_shown_then_deleted_and_a_quiet_queue_ends_it():
    clock = FakeClock()
    fake = FakeSQS([[message("h1", "Message 0", "alice"), message("h2", "hello")]], clock)
    shown = []

    def show(arrival):
        # Nothing may be deleted before it has been shown.
        assert len(fake.deleted) == len(shown)
        shown.append(arrival)

    receive(fake, "url", show, idle_exit=2.5, clock=clock)

    assert shown == [Arrival("alice", "Message 0"), Arrival("unknown", "hello")]
    assert fake.deleted == ["h1", "h2"]
    # SQS waits whole seconds: 2.5 s of patience is one 3 s poll, then stop.
    assert fake.waits == [3, 3]


def test_a_binary_client_attribute_reads_as_unknown():
    clock = FakeClock()
    binary = {"client": {"DataType": "Binary", "BinaryValue": b"x"}}
    odd = {"ReceiptHandle": "h", "Body": "b", "MessageAttributes": binary}
    shown = []

    receive(FakeSQS([[odd]], clock), "url", shown.append, idle_exit=1, clock=clock)

    assert shown == [Arrival("unknown", "b")]


def test_client_defaults_to_us_east_1_and_standard_retries(monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_MAX_ATTEMPTS", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))

    client = sqs.make_client()

    assert client.meta.region_name == "us-east-1"
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}


def test_the_users_region_and_max_attempts_win(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-2")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")

    client = sqs.make_client()

    assert client.meta.region_name == "ap-southeast-2"
    assert client.meta.config.retries["total_max_attempts"] == 2
