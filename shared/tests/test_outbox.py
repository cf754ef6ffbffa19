"""The outbox relay on a real PostgreSQL: it sends what was queued, in order, marks it sent, backs off
a refusing broker without losing anything, and several relays side by side send each message once.
(And the pool's statement timeout, which bounds every relay round.)"""

from __future__ import annotations

import threading
import uuid

import psycopg2
import pytest

from taskoverflow_shared.db import Database
from taskoverflow_shared.messages import GenerateCalendar, Message
from taskoverflow_shared.outbox import OutboxRelay, OutboxSettings, add_to_outbox

pytestmark = pytest.mark.integration


def queue_messages(database: Database, count: int) -> list[GenerateCalendar]:
    messages = [GenerateCalendar(job_id=str(uuid.uuid4()), correlation_id=f"req-{i}") for i in range(count)]
    with database.transaction() as conn, conn.cursor() as cur:
        for message in messages:
            add_to_outbox(cur, message)
    return messages


def unsent(database: Database) -> list[tuple[int, str | None]]:
    with database.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT attempts, last_error FROM outbox WHERE sent_at IS NULL ORDER BY id")
        return cur.fetchall()


@pytest.fixture
def database(clean_database: str):
    database = Database(clean_database, max_connections=8)
    yield database
    database.close()


def test_queued_messages_are_sent_in_order_and_marked_sent(database) -> None:
    queued = queue_messages(database, 3)
    sent: list[Message] = []
    relay = OutboxRelay(database, sent.append, OutboxSettings())

    assert relay.relay_once() == 3
    assert relay.relay_once() == 0

    assert sent == queued
    assert unsent(database) == []


def test_a_message_written_in_a_transaction_that_rolls_back_is_never_sent(database) -> None:
    with pytest.raises(RuntimeError), database.transaction() as conn, conn.cursor() as cur:
        add_to_outbox(cur, GenerateCalendar(job_id=str(uuid.uuid4())))
        raise RuntimeError("the request failed after queueing")
    sent: list[Message] = []

    OutboxRelay(database, sent.append, OutboxSettings()).relay_once()

    assert sent == []


def test_a_refusing_broker_keeps_the_message_and_backs_off(database) -> None:
    # Given a broker that refuses, then comes back
    [queued] = queue_messages(database, 1)
    sent: list[Message] = []
    refusing = True

    def send(message: Message) -> None:
        if refusing:
            raise ConnectionError("broker away")
        sent.append(message)

    relay = OutboxRelay(database, send, OutboxSettings(retry_max_s=0.1))

    # When the relay tries while it refuses
    assert relay.relay_once() == 0

    # Then the row waits, its attempt and error recorded
    assert unsent(database) == [(1, "ConnectionError: broker away")]
    assert relay.backlog() == 1

    # And once the broker is back (and the backoff has passed) it goes
    refusing = False
    threading.Event().wait(0.2)
    assert relay.relay_once() == 1
    assert sent == [queued]


def test_after_a_failed_send_the_rest_of_the_batch_is_due_again_at_once(database) -> None:
    # Given three queued messages and a broker that refuses the first send only
    first, *rest = queue_messages(database, 3)
    sent: list[Message] = []

    def send(message: Message) -> None:
        if message == first and not sent:
            raise ConnectionError("broker away")
        sent.append(message)

    relay = OutboxRelay(database, send, OutboxSettings(retry_max_s=60))

    # When a round stops at that failure
    assert relay.relay_once() == 0

    # Then the two it did not try are not held by its claim: the next round sends them at once,
    # while the refused one backs off
    assert relay.relay_once() == 2
    assert sent == rest
    assert unsent(database) == [(1, "ConnectionError: broker away")]


def test_a_round_tells_when_the_earliest_row_not_yet_due_falls_due(database) -> None:
    sent: list[Message] = []
    relay = OutboxRelay(database, sent.append, OutboxSettings())

    # Nothing queued: nothing to wait for
    assert relay.relay_once() == 0
    assert relay.next_due_in_s is None

    # A delayed message (a feed rebuild waits for the edits that follow): not sent, but its time known
    with database.transaction() as conn, conn.cursor() as cur:
        add_to_outbox(cur, GenerateCalendar(job_id=str(uuid.uuid4())), delay_s=30)
        add_to_outbox(cur, GenerateCalendar(job_id=str(uuid.uuid4())), delay_s=600)
    assert relay.relay_once() == 0
    assert sent == []
    assert relay.next_due_in_s is not None and 25 < relay.next_due_in_s <= 30


def test_after_a_failed_send_the_round_tells_when_the_row_is_due_again(database) -> None:
    queue_messages(database, 1)

    def refuse(message: Message) -> None:
        raise ConnectionError("broker away")

    relay = OutboxRelay(database, refuse, OutboxSettings(retry_max_s=60))

    assert relay.relay_once() == 0
    # The first backoff is a second (0.5 s doubling per attempt), not the idle interval.
    assert relay.next_due_in_s is not None and 0 < relay.next_due_in_s <= 1


def test_a_relay_that_dies_mid_send_leaves_its_message_to_another_at_once(database) -> None:
    # Given a relay that dies while sending a message (its process stopped during a broker outage)
    [queued] = queue_messages(database, 1)

    def die(message: Message) -> None:
        raise SystemExit("the API process is stopped")

    with pytest.raises(SystemExit):
        OutboxRelay(database, die, OutboxSettings()).relay_once()

    # Then another relay sends it at once: the dead one's hold on the row went with its transaction
    sent: list[Message] = []
    assert OutboxRelay(database, sent.append, OutboxSettings()).relay_once() == 1
    assert sent == [queued]
    assert unsent(database) == []


def test_relays_side_by_side_send_each_message_exactly_once(database) -> None:
    # Given 300 queued messages and 4 relays polling at once (API workers, replicas)
    queued = queue_messages(database, 300)
    sent: list[Message] = []
    lock = threading.Lock()

    def send(message: Message) -> None:
        with lock:
            sent.append(message)

    relays = [OutboxRelay(database, send, OutboxSettings(batch_size=7)) for _ in range(4)]

    def drain(relay: OutboxRelay) -> None:
        while relay.relay_once() or relay.backlog():
            pass

    threads = [threading.Thread(target=drain, args=(relay,)) for relay in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # Then every message went once: none lost, none twice
    assert sorted(m.job_id for m in sent) == sorted(m.job_id for m in queued)
    assert unsent(database) == []


def test_a_statement_is_cancelled_rather_than_left_waiting(clean_database: str) -> None:
    database = Database(clean_database, statement_timeout_ms=200)
    with pytest.raises(psycopg2.errors.QueryCanceled), database.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_sleep(5)")
    database.close()
