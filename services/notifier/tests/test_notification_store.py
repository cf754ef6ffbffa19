"""The claim store on real PostgreSQL: one owner per job end, published stays published, a lease that runs out."""

from __future__ import annotations

import threading
import uuid

import psycopg2
import pytest

from taskoverflow_notifier.notification_store import ClaimState, NotificationStore
from taskoverflow_shared.db import Database

pytestmark = pytest.mark.integration
SUBJECT = "TaskOverflow: your calendar is ready"
LEASE_S = 300


@pytest.fixture
def database(clean_database: str):
    db = Database(clean_database, max_connections=8)
    yield db
    db.close()


@pytest.fixture
def store(database: Database) -> NotificationStore:
    return NotificationStore(database, lease_s=LEASE_S)


def age_claim(database_url: str, job_id: str, seconds: int) -> None:
    """Move the claim's time back, as if it were taken `seconds` ago."""
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE notifications SET claimed_at = claimed_at - make_interval(secs => %s) WHERE job_id = %s",
            (seconds, job_id),
        )
    conn.close()


def test_of_concurrent_claims_exactly_one_owns_the_job_end(store) -> None:
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


def test_a_confirmed_notification_is_never_claimed_again(store, clean_database) -> None:
    job_id = str(uuid.uuid4())
    claim = store.claim(job_id, "FAILURE", SUBJECT)
    store.confirm(claim, "sns-id-1")

    again = store.claim(job_id, "FAILURE", SUBJECT)
    age_claim(clean_database, job_id, 10 * LEASE_S)
    after_the_lease = store.claim(job_id, "FAILURE", SUBJECT)

    assert (again.state, again.sns_message_id) == (ClaimState.PUBLISHED, "sns-id-1")
    assert after_the_lease.state is ClaimState.PUBLISHED


def test_a_released_claim_can_be_taken_at_once(store) -> None:
    job_id = str(uuid.uuid4())
    store.release(store.claim(job_id, "SUCCESS", SUBJECT))

    assert store.claim(job_id, "SUCCESS", SUBJECT).state is ClaimState.OWNED


def test_a_claim_older_than_the_lease_is_taken_over_and_the_old_owner_cannot_release_it(store, clean_database) -> None:
    # Given a delivery claimed and then went quiet for longer than the lease
    job_id = str(uuid.uuid4())
    stale = store.claim(job_id, "SUCCESS", SUBJECT)
    age_claim(clean_database, job_id, LEASE_S + 1)

    # When another delivery claims, it owns the job end
    fresh = store.claim(job_id, "SUCCESS", SUBJECT)
    assert fresh.state is ClaimState.OWNED

    # Then the old delivery, failing late, lets go of nothing that is now the new owner's
    store.release(stale)
    assert store.claim(job_id, "SUCCESS", SUBJECT).state is ClaimState.IN_FLIGHT


def test_the_table_records_what_was_sent(store, clean_database) -> None:
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
