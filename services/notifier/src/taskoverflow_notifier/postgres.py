"""The NotificationStore on PostgreSQL (the notifications table)."""

from __future__ import annotations

from taskoverflow_shared.db import Database

from .ports import Claim, ClaimState


class PostgresNotificationStore:
    def __init__(self, db: Database, *, lease_s: int) -> None:
        self.db = db
        self.lease_s = lease_s

    def claim(self, job_id: str, status: str, subject: str) -> Claim:
        params = {"job_id": job_id, "status": status, "subject": subject, "lease": self.lease_s}
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO notifications AS n (job_id, status, subject, claimed_at)"
                " VALUES (%(job_id)s, %(status)s, %(subject)s, now())"
                " ON CONFLICT (job_id, status) DO UPDATE"
                "   SET claimed_at = excluded.claimed_at, subject = excluded.subject"
                " WHERE n.published_at IS NULL"
                "   AND (n.claimed_at IS NULL OR n.claimed_at < now() - make_interval(secs => %(lease)s))"
                " RETURNING claimed_at",
                params,
            )
            owned = cur.fetchone()
            if owned is not None:
                return Claim(job_id, status, ClaimState.OWNED, token=owned[0])
            # A second statement sees the row as it is now (the first one's snapshot may predate
            # the claim it lost to).
            cur.execute(
                "SELECT published_at IS NOT NULL, sns_message_id,"
                "   greatest(0, extract(epoch FROM claimed_at + make_interval(secs => %(lease)s) - now()))"
                " FROM notifications WHERE job_id = %(job_id)s AND status = %(status)s",
                params,
            )
            row = cur.fetchone()
        if row is not None and row[0]:
            return Claim(job_id, status, ClaimState.PUBLISHED, sns_message_id=row[1])
        # Let go of in between (lease_left NULL): worth another try at once.
        lease_left = float(row[2]) if row is not None and row[2] is not None else 0.0
        return Claim(job_id, status, ClaimState.IN_FLIGHT, lease_left_s=lease_left)

    def confirm(self, claim: Claim, sns_message_id: str) -> None:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE notifications SET published_at = now(), sns_message_id = %s"
                " WHERE job_id = %s AND status = %s AND published_at IS NULL",
                (sns_message_id, claim.job_id, claim.status),
            )

    def release(self, claim: Claim) -> None:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE notifications SET claimed_at = NULL"
                " WHERE job_id = %s AND status = %s AND published_at IS NULL AND claimed_at = %s",
                (claim.job_id, claim.status, claim.token),
            )
