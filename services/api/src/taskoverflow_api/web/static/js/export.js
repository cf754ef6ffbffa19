/**
 * "Export calendar": starts a calendar job for the filter's selection, follows its status to the
 * end (each status it was seen in stays on the line: PENDING → STARTED → SUCCESS), then offers the
 * .ics; on FAILURE it shows the worker's reason.
 */

import { idempotencyKey, request } from "./api.js";
import { say, sayError } from "./messages.js";

const JOBS = "/api/v1/todos/ical";
const FINISHED = new Set(["SUCCESS", "FAILURE"]);
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 2000;
const GIVE_UP_AFTER_MS = 5 * 60 * 1000;
const MEANING = {
  PENDING: "waiting for the calendar-worker",
  STARTED: "being built",
  RETRY: "failed, trying again",
  SUCCESS: "ready",
  FAILURE: "failed",
};

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `selection()` gives the {completed, window} the calendar takes. */
export function setUpExport(selection) {
  const button = $("export");
  const status = $("export-status");
  const error = $("export-error");
  const download = $("export-download");

  async function exportCalendar() {
    button.disabled = true;
    download.hidden = true;
    sayError(error);
    say(status, "Starting the export…");
    const seen = [];
    const show = (job) => {
      if (seen.at(-1) !== job.task_status) seen.push(job.task_status);
      const retrying = job.task_status === "RETRY" && job.error ? ` (${job.error})` : "";
      say(status, `Export: ${seen.join(" → ")}: ${MEANING[job.task_status] ?? job.task_status}${retrying}.`);
      status.dataset.status = job.task_status;
    };
    try {
      // The key makes the POST safe to retry: the API answers the same job for the same key.
      const started = await request("POST", JOBS, {
        body: selection(),
        headers: { "Idempotency-Key": idempotencyKey() },
        repeatable: true,
      });
      const statusUrl = `${JOBS}/${started.task_id}/status`;
      // Paths of our own rather than the answer's absolute URLs: PUBLIC_BASE_URL may name another
      // host than the one this page was loaded from, and the page talks only to its own origin.
      let job = { task_status: "PENDING" }; // what a 202 means
      show(job);
      const giveUpAt = Date.now() + GIVE_UP_AFTER_MS;
      for (let delay = FIRST_POLL_MS; !FINISHED.has(job.task_status); delay = Math.min(delay * 2, MAX_POLL_MS)) {
        if (Date.now() > giveUpAt) {
          throw new Error(`the job has not finished after ${GIVE_UP_AFTER_MS / 60000} minutes (its status: ${statusUrl}).`);
        }
        await sleep(delay);
        job = await request("GET", statusUrl);
        show(job);
      }
      if (job.task_status === "SUCCESS") {
        download.href = `${JOBS}/${started.task_id}/result`;
        download.hidden = false;
        const events = job.event_count === 1 ? "1 event" : `${job.event_count} events`;
        say(status, `Export: ${seen.join(" → ")}: your calendar is ready (${events}).`);
      } else {
        sayError(error, `The calendar could not be made: ${job.error ?? "the worker gave no reason"}`);
      }
    } catch (failure) {
      sayError(error, `Export failed: ${failure.message}`);
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", exportCalendar);
}
