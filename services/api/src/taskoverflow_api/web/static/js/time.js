/**
 * Deadlines: the API speaks UTC without an offset ("2026-12-24T07:00:00"); people read and type
 * their own local time. A `datetime-local` input holds local wall time ("2026-12-24T17:00").
 */

export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const pad = (n) => String(n).padStart(2, "0");

function fromApi(value) {
  return new Date(`${value}Z`);
}

/** "2026-12-24T07:00:00" (UTC) -> "2026-12-24T17:00" in this browser's time zone, for an input. */
export function apiToLocalInput(value) {
  if (!value) return "";
  const d = fromApi(value);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An input's local "2026-12-24T17:00" -> "2026-12-24T07:00:00" (UTC), or null when empty. */
export function localInputToApi(value) {
  if (!value) return null;
  // A date-time without an offset is local time (ECMAScript's Date parsing rules).
  return new Date(value).toISOString().slice(0, 19);
}

const display = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
  timeZoneName: "short",
});

/** How a person reads a deadline, in their locale: "Thu, Dec 24, 2026, 5:00 PM GMT+10" in en-US. */
export function formatDeadline(value) {
  return display.format(fromApi(value));
}

/** The deadline as a machine-readable instant, for <time datetime>. */
export function isoInstant(value) {
  return `${value}Z`;
}

export function isPast(value) {
  return fromApi(value).getTime() < Date.now();
}
