/** Status lines and error lines: an error is shown in words, and cleared when the next attempt starts. */

/** Puts `text` in a status line (role="status": read out politely), or empties it. */
export function say(element, text = "") {
  element.textContent = text;
}

/** Shows `text` in an error line (role="alert": read out at once), or hides it when empty. */
export function sayError(element, text = "") {
  element.textContent = text;
  element.hidden = !text;
}
