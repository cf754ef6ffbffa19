"""Standard against FIFO, end to end: real queue-demo processes on a real moto server."""

import signal

import pytest

from taskoverflow_devstack.waiting import wait_until

# A real moto server and queue-demo processes: `make unit-tests` skips these.
pytestmark = pytest.mark.integration

STANDARD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"
HUNDRED = [f"Message {n}" for n in range(100)]


def numbered(count: int, prefix: str = "") -> list[str]:
    return [f"{prefix}Message {n}" for n in range(count)]


def publish(demo, queue_name, client, *args):
    result = demo.run("--name", queue_name, "--client-name", client, "--create", *args)
    assert result.returncode == 0, result.stderr
    return result


def receive_all(demo, queue_name):
    """Drain the queue the way the practical does, with the counts of --check."""
    # The messages are already waiting, so one quiet second means the queue is empty.
    result = demo.run("--name", queue_name, "--receive", "--check", "--idle-exit", "1")
    assert result.returncode == 0, result.stderr
    assert result.other == [], "every stdout line is a message line or a check line"
    return result


def test_standard_queue_delivers_all_100(demo):
    # Given a standard queue and one publisher, run through the installed console script
    published = demo.run("--name", STANDARD, "--client-name", "alice", "--create", console_script=True)
    assert published.returncode == 0, published.stderr
    assert "Sent 100 messages to csse6400_prac as alice" in published.stdout

    # When a subscriber drains it
    received = receive_all(demo, STANDARD)

    # Then every message arrived once; the order is not asserted, because a
    # standard queue promises none (moto happens to keep it, AWS may not).
    assert sorted(received.bodies("alice")) == sorted(HUNDRED)
    assert received.summary["alice"]["received"] == 100
    assert received.summary["total"]["received"] == 100


def test_fifo_queue_delivers_each_clients_messages_in_order(demo, sqs):
    publish(demo, FIFO, "alice", "--count", "50", "--prepend", "alice ")
    publish(demo, FIFO, "bob", "--count", "50", "--prepend", "bob ")

    received = receive_all(demo, FIFO)

    assert received.bodies("alice") == numbered(50, "alice ")
    assert received.bodies("bob") == numbered(50, "bob ")
    assert received.summary["total"] == {"received": 100, "out_of_order": 0, "duplicates": 0}
    # --create made a real FIFO queue: AWS refuses a .fifo name without these.
    attributes = sqs.get_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName=FIFO)["QueueUrl"], AttributeNames=["All"]
    )["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"


def test_fifo_drops_an_identical_rerun_and_prepend_gets_through(demo):
    # moto slows down as a queue fills, so this runs 30 messages, not 100.
    # Given one run, a second identical run published while the first is still
    # in the queue, and a third with --prepend. (moto de-duplicates only against
    # messages still in the queue; AWS remembers each body for 5 minutes, so
    # there the second run would vanish even after the first was consumed.)
    first = publish(demo, FIFO, "alice", "--count", "30")
    publish(demo, FIFO, "alice", "--count", "30")
    publish(demo, FIFO, "alice", "--count", "30", "--prepend", "again ")

    # When a subscriber drains the queue
    received = receive_all(demo, FIFO)

    # Then the identical run never arrived, the prepended one did, all in order
    assert received.bodies("alice") == numbered(30) + numbered(30, "again ")
    assert received.summary["total"] == {"received": 60, "out_of_order": 0, "duplicates": 0}
    assert "use --prepend to make bodies distinct" in first.stderr


def test_fifo_drops_another_clients_identical_bodies(demo):
    # Content-based de-duplication hashes the body alone, and a FIFO queue's
    # de-duplication scope is the whole queue by default, on AWS as on moto.
    publish(demo, FIFO, "alice", "--count", "20")
    publish(demo, FIFO, "bob", "--count", "20")

    received = receive_all(demo, FIFO)

    assert received.bodies("alice") == numbered(20)
    assert received.bodies("bob") == []


def test_standard_delivers_an_identical_rerun_and_check_counts_the_duplicates(demo):
    publish(demo, STANDARD, "alice", "--count", "20")
    publish(demo, STANDARD, "alice", "--count", "20")
    publish(demo, STANDARD, "bob", "--count", "20")

    received = receive_all(demo, STANDARD)

    assert sorted(received.bodies("alice")) == sorted(numbered(20) * 2)
    assert sorted(received.bodies("bob")) == sorted(numbered(20))
    assert received.summary["alice"]["duplicates"] == 20
    assert received.summary["bob"]["duplicates"] == 0
    assert received.summary["total"]["received"] == 60


@pytest.mark.parametrize("queue_name", [STANDARD, FIFO])
def test_two_publishers_and_two_subscribers_lose_nothing(demo, sqs, queue_name):
    # Given an empty queue and two subscribers already waiting on it
    fifo_attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    sqs.create_queue(QueueName=queue_name, Attributes=fifo_attributes if queue_name == FIFO else {})
    subscribers = [demo.start("--name", queue_name, "--receive", "--check") for _ in range(2)]

    # When two clients publish at the same time (each with its own prefix, or
    # the FIFO queue would drop the second client's bodies as duplicates; 30
    # each, as moto spins while a FIFO group is locked and slows as it fills)
    clients = ("alice", "bob")
    publishers = [
        demo.start("--name", queue_name, "--client-name", client, "--count", "30", "--prepend", f"{client} ")
        for client in clients
    ]
    for publisher in publishers:
        assert publisher.finish().returncode == 0

    # Then between them the subscribers show every message of both clients
    # (and once both have shown 60 lines, Ctrl-C stops them as a user would)
    try:
        wait_until(
            lambda: sum(len(s.lines_so_far()) for s in subscribers) >= 60, timeout=60, what="60 lines", interval=0.1
        )
    finally:
        for subscriber in subscribers:
            subscriber.process.send_signal(signal.SIGINT)
    results = [subscriber.finish() for subscriber in subscribers]
    assert [result.returncode for result in results] == [0, 0]
    arrived = [arrival for result in results for arrival in result.arrivals]
    sent = [(client, body) for client in clients for body in numbered(30, f"{client} ")]
    assert sorted(set(arrived)) == sorted(sent)
    assert sum(result.summary["total"]["received"] for result in results) == len(arrived)

    if queue_name == FIFO:
        # A FIFO group is locked while a subscriber holds any of its messages,
        # so nothing is delivered twice and each subscriber sees each client's
        # messages in order; moto keeps this as AWS does. Whether the order
        # also holds across the two subscribers' screens cannot be read from
        # HH:MM:SS, so it is not asserted.
        assert len(arrived) == 60
        for result in results:
            assert result.summary["total"]["out_of_order"] == 0
            for client in clients:
                numbers = [int(body.split()[-1]) for body in result.bodies(client)]
                assert numbers == sorted(numbers)
