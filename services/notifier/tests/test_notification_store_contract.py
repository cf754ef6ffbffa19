"""The NotificationStore contract, run against the in-memory fake and against PostgreSQL: one owner
per job end, published stays published, a lease that runs out."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Iterator

import psycopg2
import pytest

from taskoverflow_notifier.fakes import FakeNotificationStore
from taskoverflow_notifier.ports import ClaimState, NotificationStore
from taskoverflow_notifier.postgres import PostgresNotificationStore
from taskoverflow_shared.db import Database

SUBJECT = "TaskOverflow: your calendar is ready"
LEASE_S = 300


@dataclasses.dataclass
class Kit:
    store: NotificationStore
    # Move a claim's time back, as if it were taken `seconds` ago (the fake's clock, or the row).
    age_claim: Callable[[str, int], None]


def _age_fake(fake: FakeNotificationStore) -> Callable[[str, int], None]:
    # Every claim in the fake ages at once: its clock moves on.
    return lambda _job_id, seconds: fake.advance(seconds)


def _age_row(database_url: str) -> Callable[[str, int], None]:
    def age(job_id: str, seconds: int) -> None:
        conn = psycopg2.connect(database_url)
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE notifications SET claimed_at = claimed_at - make_interval(secs => %s) WHERE job_id = %s",
                (seconds, job_id),
            )
        conn.close()

    return age


@pytest.fixture
def postgres_kit(clean_database: str) -> Iterator[Kit]:
    database = Database(clean_database, max_connections=8)
    yield Kit(PostgresNotificationStore(database, lease_s=LEASE_S), _age_row(clean_database))
    database.close()


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
def kit(request: pytest.FixtureRequest) -> Kit:
    if request.param == "fake":
        fake = FakeNotificationStore(lease_s=LEASE_S)
        return Kit(fake, _age_fake(fake))
    kit: Kit = request.getfixturevalue("postgres_kit")
    return kit


@pytest.mark.integration
def test_of_concurrent_claims_exactly_one_owns_the_job_end(postgres_kit: Kit) -> None:
    # PostgreSQL only: the fake is not meant for threads.
    store = postgres_kit.store
    job_id = str(uuid.uuid4())
    contenders = 8
    start = threading.Barrier(contenders)
    claims = []

    def contend() -> None:
        start.wait()
        claims.append(store.claim(job_id, "SUCCESS", SUBJECT))

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    states = sorted(claim.state.value for claim in claims)
    assert states == ["in_flight"] * (contenders - 1) + ["owned"]
    assert all(0 < claim.lease_left_s <= LEASE_S for claim in claims if claim.state is ClaimState.IN_FLIGHT)


def test_a_confirmed_notification_is_never_claimed_again(kit: Kit) -> None:
    store = kit.store
    job_id = str(uuid.uuid4())
    claim = store.claim(job_id, "FAILURE", SUBJECT)
    store.confirm(claim, "sns-id-1")

    again = store.claim(job_id, "FAILURE", SUBJECT)
    kit.age_claim(job_id, 10 * LEASE_S)
    after_the_lease = store.claim(job_id, "FAILURE", SUBJECT)

    assert (again.state, again.sns_message_id) == (ClaimState.PUBLISHED, "sns-id-1")
    assert after_the_lease.state is ClaimState.PUBLISHED


def test_a_released_claim_can_be_taken_at_once(kit: Kit) -> None:
    store = kit.store
    job_id = str(uuid.uuid4())
    store.release(store.claim(job_id, "SUCCESS", SUBJECT))

    assert store.claim(job_id, "SUCCESS", SUBJECT).state is ClaimState.OWNED


def test_a_claim_older_than_the_lease_is_taken_over_and_the_old_owner_cannot_release_it(kit: Kit) -> None:
    # Given a delivery claimed and then went quiet for longer than the lease
    store = kit.store
    job_id = str(uuid.uuid4())
    stale = store.claim(job_id, "SUCCESS", SUBJECT)
    kit.age_claim(job_id, LEASE_S + 1)

    # When another delivery claims, it owns the job end
    fresh = store.claim(job_id, "SUCCESS", SUBJECT)
    assert fresh.state is ClaimState.OWNED

    # Then the old delivery, failing late, lets go of nothing that is now the new owner's
    store.release(stale)
    assert store.claim(job_id, "SUCCESS", SUBJECT).state is ClaimState.IN_FLIGHT


def test_a_claim_younger_than_the_lease_is_in_flight_with_the_rest_of_the_lease(kit: Kit) -> None:
    job_id = str(uuid.uuid4())
    kit.store.claim(job_id, "SUCCESS", SUBJECT)
    kit.age_claim(job_id, 100)

    claim = kit.store.claim(job_id, "SUCCESS", SUBJECT)

    assert claim.state is ClaimState.IN_FLIGHT
    assert LEASE_S - 100 - 5 < claim.lease_left_s <= LEASE_S - 100


def test_each_status_of_a_job_is_its_own_job_end(kit: Kit) -> None:
    job_id = str(uuid.uuid4())
    kit.store.confirm(kit.store.claim(job_id, "FAILURE", SUBJECT), "sns-id-2")

    assert kit.store.claim(job_id, "SUCCESS", SUBJECT).state is ClaimState.OWNED


@pytest.mark.integration
def test_the_table_records_what_was_sent(postgres_kit: Kit, clean_database: str) -> None:
    store = postgres_kit.store
    job_id = str(uuid.uuid4())
    store.confirm(store.claim(job_id, "SUCCESS", SUBJECT), "sns-id-7")

    conn = psycopg2.connect(clean_database)
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT subject, sns_message_id, published_at IS NOT NULL FROM notifications WHERE job_id = %s", (job_id,)
        )
        row = cur.fetchone()
    conn.close()
    assert row == (SUBJECT, "sns-id-7", True)
