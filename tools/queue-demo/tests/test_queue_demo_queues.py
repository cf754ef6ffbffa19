"""Standard against FIFO, end to end: real queue-demo processes on a real moto server."""

import pytest

STANDARD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"
HUNDRED = [f"Message {n}" for n in range(100)]


def receive_all(demo, queue_name, idle_exit="2"):
    """Drain the queue the way the practical does, with the counts of --check."""
    result = demo.run("--name", queue_name, "--receive", "--check", "--idle-exit", idle_exit)
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
    assert received.summary["total"]["received"] == 100
    assert received.summary["alice"]["received"] == 100


def test_fifo_queue_delivers_each_clients_messages_in_order(demo, sqs):
    for client in ("alice", "bob"):
        published = demo.run("--name", FIFO, "--client-name", client, "--count", "50", "--create")
        assert published.returncode == 0, published.stderr

    received = receive_all(demo, FIFO)

    expected = [f"Message {n}" for n in range(50)]
    assert received.bodies("alice") == expected
    assert received.bodies("bob") == expected
    assert received.summary["total"] == {"received": 100, "out_of_order": 0, "duplicates": 0}
    # --create made a real FIFO queue: AWS refuses a .fifo name without these.
    attributes = sqs.get_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName=FIFO)["QueueUrl"], AttributeNames=["All"]
    )["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"


def test_fifo_drops_an_identical_rerun_and_prepend_gets_through(demo):
    # Given one run published and a second, identical run published while the
    # first is still in the queue. moto only de-duplicates against messages
    # still in the queue; AWS remembers every body for 5 minutes, so there the
    # second run would vanish even after the first had been consumed.
    for _ in range(2):
        assert demo.run("--name", FIFO, "--client-name", "alice", "--create").returncode == 0

    # When a subscriber drains the queue
    received = receive_all(demo, FIFO)

    # Then only the first run arrived
    assert received.bodies("alice") == HUNDRED
    assert received.summary["total"] == {"received": 100, "out_of_order": 0, "duplicates": 0}

    # And a --prepend run is new content, so all 100 arrive again
    assert demo.run("--name", FIFO, "--client-name", "alice", "--prepend", "again ").returncode == 0
    again = receive_all(demo, FIFO)
    assert again.bodies("alice") == [f"again {body}" for body in HUNDRED]


def test_standard_delivers_an_identical_rerun_and_check_counts_the_duplicates(demo):
    # The same two runs as above on a standard queue: nothing is de-duplicated.
    for _ in range(2):
        assert demo.run("--name", STANDARD, "--client-name", "alice", "--create").returncode == 0

    received = receive_all(demo, STANDARD)

    assert sorted(received.bodies("alice")) == sorted(HUNDRED * 2)
    assert received.summary["total"]["received"] == 200
    assert received.summary["total"]["duplicates"] == 100


@pytest.mark.parametrize("queue_name", [STANDARD, FIFO])
def test_two_publishers_and_two_subscribers_lose_nothing(demo, sqs, queue_name):
    # Given an empty queue and two subscribers already waiting on it
    sqs.create_queue(
        QueueName=queue_name,
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"} if queue_name == FIFO else {},
    )
    subscribers = [
        demo.start("--name", queue_name, "--receive", "--check", "--idle-exit", "5") for _ in range(2)
    ]

    # When two clients publish at the same time
    publishers = [demo.start("--name", queue_name, "--client-name", client) for client in ("alice", "bob")]
    for publisher in publishers:
        assert publisher.finish().returncode == 0

    # Then between them the subscribers received every message of both clients
    results = [subscriber.finish() for subscriber in subscribers]
    assert all(result.returncode == 0 for result in results)
    arrived = [arrival for result in results for arrival in result.arrivals]
    assert sorted(arrived) == sorted([("alice", body) for body in HUNDRED] + [("bob", body) for body in HUNDRED])
    assert sum(result.summary["total"]["received"] for result in results) == len(arrived)

    if queue_name == FIFO:
        # A FIFO group is locked while a subscriber holds any of its messages,
        # so no message is delivered twice, and each subscriber sees each
        # client's messages in order. Both moto and AWS keep this; the order
        # across the two subscribers' screens cannot be read from HH:MM:SS.
        assert len(arrived) == 200
        for result in results:
            assert result.summary["total"]["out_of_order"] == 0
            for client in ("alice", "bob"):
                numbers = [int(body.split()[-1]) for body in result.bodies(client)]
                assert numbers == sorted(numbers)
