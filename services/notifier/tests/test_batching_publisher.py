"""BatchingPublisher with a recording batch call: what goes out together, and who gets which answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest
from dramatiq.middleware.threading import raise_thread_exception
from dramatiq.middleware.time_limit import TimeLimitExceeded

from taskoverflow_devstack.waiting import wait_until
from taskoverflow_notifier.batching import BatchingPublisher, PublisherStopped
from taskoverflow_notifier.fakes import BatchRecorder
from taskoverflow_notifier.notification import Notification


def notification(job_id: str) -> Notification:
    return Notification(
        job_id=job_id,
        status="SUCCESS",
        subject="TaskOverflow: your calendar is ready",
        body=f"job {job_id}\n",
        attributes={"job_id": job_id},
    )


def notifications(*job_ids: str) -> list[Notification]:
    return [notification(job_id) for job_id in job_ids]


class Refused(Exception):
    """What a fake SNS answers for an entry it refuses."""


class Boom(BaseException):
    """Not an Exception: nothing a call raises, so it stands for a bug that kills the flusher."""


@pytest.fixture
def recorder() -> BatchRecorder:
    return BatchRecorder()


@pytest.fixture
def publisher(recorder: BatchRecorder) -> Iterator[BatchingPublisher]:
    publisher = BatchingPublisher(recorder)
    yield publisher
    recorder.release()
    publisher.close(timeout=30)


def test_a_lone_publish_is_sent_at_once_in_a_batch_of_its_own(publisher, recorder) -> None:
    assert publisher.publish(notification("a")) == "fake-message-a"
    assert publisher.publish(notification("b")) == "fake-message-b"

    # Nothing waited for company: each went out alone, as soon as it came.
    assert recorder.batches == [["a"], ["b"]]


def test_publishes_made_during_a_call_go_out_together_each_with_its_own_id(
    publisher, recorder, publish_lined_up
) -> None:
    rest = [f"job-{i:02}" for i in range(12)]

    outcomes = publish_lined_up(publisher, recorder, notification("first"), notifications(*rest))

    assert outcomes == {job_id: f"fake-message-{job_id}" for job_id in ["first", *rest]}
    # Twelve waited: ten (SNS's limit) in the next call, the other two in the one after.
    assert [len(batch) for batch in recorder.batches] == [1, 10, 2]
    assert sorted(recorder.batches[1] + recorder.batches[2]) == rest


def test_an_entry_refused_fails_only_its_own_publish(publish_lined_up) -> None:
    refused = Refused("InvalidParameter: message too long")

    def send(batch: Sequence[Notification]) -> list[str | Exception]:
        return [refused if n.job_id == "bad" else f"id-{n.job_id}" for n in batch]

    recorder = BatchRecorder(send)
    publisher = BatchingPublisher(recorder)

    outcomes = publish_lined_up(publisher, recorder, notification("first"), notifications("ok1", "bad", "ok2"))

    assert len(recorder.batches) == 2 and sorted(recorder.batches[1]) == ["bad", "ok1", "ok2"]
    assert outcomes["bad"] is refused
    assert {job: outcomes[job] for job in ["first", "ok1", "ok2"]} == {
        "first": "id-first",
        "ok1": "id-ok1",
        "ok2": "id-ok2",
    }
    publisher.close()


def test_a_failed_call_fails_every_publish_of_its_batch_and_the_next_publish_is_sent(publish_lined_up) -> None:
    outage = ConnectionError("SNS unreachable")

    def send(batch: Sequence[Notification]) -> list[str | Exception]:
        if any(n.job_id.startswith("lost") for n in batch):
            raise outage
        return [f"id-{n.job_id}" for n in batch]

    recorder = BatchRecorder(send)
    publisher = BatchingPublisher(recorder)

    outcomes = publish_lined_up(publisher, recorder, notification("first"), notifications("lost1", "lost2", "lost3"))

    assert len(recorder.batches) == 2 and sorted(recorder.batches[1]) == ["lost1", "lost2", "lost3"]
    assert outcomes["first"] == "id-first"
    # The call's own exception, to each of them: an outage is still told by its type.
    assert all(outcomes[job] is outage for job in ["lost1", "lost2", "lost3"])
    assert publisher.publish(notification("after")) == "id-after"
    assert recorder.batches[-1] == ["after"]
    publisher.close()


def test_an_answer_of_the_wrong_length_fails_the_publish() -> None:
    publisher = BatchingPublisher(BatchRecorder(lambda batch: []))

    with pytest.raises(RuntimeError, match="0 results for 1"):
        publisher.publish(notification("a"))
    publisher.close()


def test_a_flusher_that_dies_fails_its_publishes_instead_of_leaving_them_waiting(publish_lined_up) -> None:
    def send(batch: Sequence[Notification]) -> list[str | Exception]:
        if batch[0].job_id == "first":
            raise Boom()
        return [f"id-{n.job_id}" for n in batch]

    recorder = BatchRecorder(send)
    publisher = BatchingPublisher(recorder)

    outcomes = publish_lined_up(publisher, recorder, notification("first"), notifications("queued1", "queued2"))

    # The one in the call may have been sent; the two waiting were not, and said so.
    assert isinstance(outcomes["first"], PublisherStopped)
    assert "may have been sent" in str(outcomes["first"])
    assert all(isinstance(outcomes[job], PublisherStopped) for job in ["queued1", "queued2"])
    assert recorder.batches == [["first"]]
    # A new flusher serves the next publish.
    assert publisher.publish(notification("later")) == "id-later"
    assert recorder.batches == [["first"], ["later"]]
    publisher.close()


def test_a_publish_interrupted_by_the_time_limit_while_waiting_is_never_sent(publisher, recorder) -> None:
    outcomes: dict[str, str | BaseException] = {}

    def publish(job_id: str) -> None:
        try:
            outcomes[job_id] = publisher.publish(notification(job_id))
        except BaseException as exc:  # noqa: BLE001 - the test asserts on what each publish raised
            outcomes[job_id] = exc

    recorder.hold()
    first = threading.Thread(target=publish, args=("first",), daemon=True)
    first.start()
    assert recorder.called.wait(30)
    waiting = threading.Thread(target=publish, args=("interrupted",), daemon=True)
    waiting.start()
    wait_until(lambda: publisher.waiting == 1, timeout=30, what="the second publish waiting")

    # As Dramatiq's TimeLimit middleware interrupts an actor thread
    assert waiting.ident is not None
    raise_thread_exception(waiting.ident, TimeLimitExceeded)
    waiting.join(30)
    recorder.release()
    first.join(30)
    assert not waiting.is_alive() and not first.is_alive()

    assert isinstance(outcomes["interrupted"], TimeLimitExceeded)
    assert publisher.waiting == 0
    assert outcomes["first"] == "fake-message-first"
    assert publisher.publish(notification("next")) == "fake-message-next"
    assert recorder.batches == [["first"], ["next"]]


def test_close_sends_what_waits_then_refuses_to_publish(publisher, recorder, publish_lined_up) -> None:
    outcomes = publish_lined_up(publisher, recorder, notification("first"), notifications("second"))
    publisher.close(timeout=30)

    assert outcomes == {"first": "fake-message-first", "second": "fake-message-second"}
    with pytest.raises(PublisherStopped):
        publisher.publish(notification("late"))
    assert recorder.batches == [["first"], ["second"]]


def test_close_lets_a_call_under_way_and_what_waits_finish() -> None:
    recorder = BatchRecorder()
    publisher = BatchingPublisher(recorder)
    outcomes: dict[str, str | BaseException] = {}

    def publish(job_id: str) -> None:
        outcomes[job_id] = publisher.publish(notification(job_id))

    recorder.hold()
    threads = [threading.Thread(target=publish, args=(job_id,), daemon=True) for job_id in ["first", "second"]]
    threads[0].start()
    assert recorder.called.wait(30)
    threads[1].start()
    wait_until(lambda: publisher.waiting == 1, timeout=30, what="the second publish waiting")
    closer = threading.Thread(target=publisher.close, daemon=True)
    closer.start()
    recorder.release()
    for thread in [*threads, closer]:
        thread.join(30)
    assert not any(thread.is_alive() for thread in [*threads, closer])

    assert outcomes == {"first": "fake-message-first", "second": "fake-message-second"}
    assert recorder.batches == [["first"], ["second"]]


def _publish_in_threads(
    publisher: BatchingPublisher, job_ids: list[str]
) -> tuple[dict[str, str], list[threading.Thread]]:
    outcomes: dict[str, str] = {}

    def publish(job_id: str) -> None:
        outcomes[job_id] = publisher.publish(notification(job_id))

    threads = [threading.Thread(target=publish, args=(job_id,), daemon=True) for job_id in job_ids]
    for thread in threads:
        thread.start()
    return outcomes, threads


def test_publishes_made_within_the_linger_share_a_call_which_leaves_once_full() -> None:
    recorder = BatchRecorder()
    # A linger far longer than the test waits: the batch can only have left because it was full.
    publisher = BatchingPublisher(recorder, max_batch=3, linger_s=600)

    outcomes, threads = _publish_in_threads(publisher, ["a", "b", "c"])
    for thread in threads:
        thread.join(30)

    assert not any(thread.is_alive() for thread in threads)
    assert outcomes == {job_id: f"fake-message-{job_id}" for job_id in "abc"}
    assert [sorted(batch) for batch in recorder.batches] == [["a", "b", "c"]]
    publisher.close(timeout=30)


def test_a_lingering_batch_is_sent_at_once_on_close() -> None:
    recorder = BatchRecorder()
    publisher = BatchingPublisher(recorder, linger_s=600)
    outcomes, threads = _publish_in_threads(publisher, ["alone"])
    wait_until(lambda: publisher.waiting == 1, timeout=30, what="the publish waiting for company")
    assert recorder.batches == []

    publisher.close(timeout=30)
    threads[0].join(30)

    assert outcomes == {"alone": "fake-message-alone"}
    assert recorder.batches == [["alone"]]


def test_a_negative_linger_is_refused() -> None:
    with pytest.raises(ValueError, match="linger_s"):
        BatchingPublisher(BatchRecorder(), linger_s=-0.05)


@pytest.mark.parametrize("max_batch", [0, 11])
def test_a_batch_beyond_what_sns_takes_is_refused(max_batch: int) -> None:
    with pytest.raises(ValueError):
        BatchingPublisher(BatchRecorder(), max_batch=max_batch)
