/**
 * The banner that says the API is slow or unreachable and that the page is retrying, and then that
 * it is back. After a request has given up, the page checks again by itself every RECHECK_MS (the
 * person may also press "Try now"), so it recovers without a reload once the API returns.
 */

import { onConnectionChange } from "./api.js";

const RECHECK_MS = 30000;
const BACK_MESSAGE_MS = 4000;

/** Shows the API's health in `root`; `recheck()` is what to call again once the API may be back. */
export function setUpConnectionBanner({ root, message, retryButton }, recheck) {
  let recheckTimer = null;
  let hideTimer = null;

  function show(text, { offerRetry = false } = {}) {
    clearTimeout(hideTimer);
    message.textContent = text;
    retryButton.hidden = !offerRetry;
    root.hidden = false;
    root.dataset.state = offerRetry ? "gave-up" : "retrying";
  }

  function recheckNow() {
    clearTimeout(recheckTimer);
    recheckTimer = null;
    show("Trying the API again…");
    recheck();
  }

  retryButton.addEventListener("click", recheckNow);

  onConnectionChange((change) => {
    if (change.state === "ok") {
      clearTimeout(recheckTimer);
      recheckTimer = null;
      if (root.hidden || root.dataset.state === "ok") return;
      message.textContent = "Connected to the API again.";
      retryButton.hidden = true;
      root.dataset.state = "ok";
      hideTimer = setTimeout(() => {
        root.hidden = true;
      }, BACK_MESSAGE_MS);
    } else if (change.state === "retrying") {
      const seconds = Math.max(1, Math.round(change.delayMs / 1000));
      show(`${change.reason} Retrying in ${seconds} s (attempt ${change.attempt + 1} of ${change.attempts})…`);
    } else if (change.state === "gave-up") {
      show(`${change.reason} Trying again in ${RECHECK_MS / 1000} s.`, { offerRetry: true });
      clearTimeout(recheckTimer);
      recheckTimer = setTimeout(recheckNow, RECHECK_MS);
    }
  });
}
