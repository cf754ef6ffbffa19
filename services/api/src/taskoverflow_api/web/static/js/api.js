/**
 * The API client: JSON in and out, and every failure as an ApiError in words a person can read
 * (the API's own `error` text whenever it sent one).
 *
 * A request that is safe to repeat (a read, an idempotent PUT or DELETE, a POST carrying an
 * Idempotency-Key) is retried while the API does not answer, times out or answers 502/503/504:
 * a bounded number of attempts with doubling delays, each announced to the `onConnectionChange`
 * listeners so the page can say it is retrying. A request that is not safe to repeat is never
 * repeated behind the person's back: the failure is theirs to see and decide on.
 */

const ATTEMPTS = 5;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 4000;
const ATTEMPT_TIMEOUT_MS = 10000;
// What a load balancer, a restarting server or a sick dependency answers: worth another try.
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

export class ApiError extends Error {
  /** `status` is the HTTP status, or null when no answer came at all. */
  constructor(message, status = null, body = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }

  get unreachable() {
    return this.status === null;
  }
}

const listeners = new Set();

/**
 * `listener` is called with {state: "ok"} whenever the API answers (anything but 502/503/504),
 * {state: "retrying", reason, attempt, attempts, delayMs} before each retry, and {state: "gave-up",
 * reason} when a request ends on a failure that was worth retrying.
 */
export function onConnectionChange(listener) {
  listeners.add(listener);
}

function announce(change) {
  for (const listener of listeners) listener(change);
}

/** Sends one request and resolves to the decoded JSON answer; rejects with an ApiError. */
export async function request(method, path, { body, headers = {}, repeatable = method !== "POST" } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await attemptOnce(path, init);
    if (!(outcome instanceof ApiError)) return outcome.value;
    const failure = outcome;
    const retryable = failure.unreachable || RETRYABLE_STATUSES.has(failure.status);
    if (!retryable || !repeatable || attempt === ATTEMPTS) {
      if (retryable) announce({ state: "gave-up", reason: failure.message });
      throw failure;
    }
    const delayMs = Math.min(FIRST_DELAY_MS * 2 ** (attempt - 1), MAX_DELAY_MS);
    announce({ state: "retrying", reason: failure.message, attempt, attempts: ATTEMPTS, delayMs });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/** {value} on success, or the ApiError this attempt ended in. */
async function attemptOnce(path, init) {
  let response;
  try {
    response = await fetch(path, { ...init, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
  } catch (error) {
    return new ApiError(
      error.name === "TimeoutError"
        ? `The API did not answer within ${ATTEMPT_TIMEOUT_MS / 1000} s.`
        : "The API could not be reached.",
    );
  }
  if (!RETRYABLE_STATUSES.has(response.status)) announce({ state: "ok" });
  const body = await readBody(response);
  if (response.ok) return { value: body };
  const words = body && typeof body.error === "string" ? body.error : `HTTP ${response.status} ${response.statusText}`;
  return new ApiError(words, response.status, body);
}

async function readBody(response) {
  const type = response.headers.get("Content-Type") || "";
  try {
    return type.includes("application/json") ? await response.json() : await response.text();
  } catch {
    return null; // a body cut off mid-way: the status still tells what happened
  }
}

/** A fresh key for a POST that may be retried: the API answers the same job for the same key. */
export function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
