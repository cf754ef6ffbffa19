/**
 * "Subscribe": creates a calendar feed for the filter's selection (POST /api/v1/calendar-feeds,
 * answered 201 {id, feed_url, webcal_url}) and shows its two links, each with a copy button.
 */

import { request } from "./api.js";
import { say, sayError } from "./messages.js";

const FEEDS = "/api/v1/calendar-feeds";

const $ = (id) => document.getElementById(id);

/** `selection()` gives the {completed, window} the feed follows. */
export function setUpSubscribe(selection) {
  const button = $("subscribe");
  const status = $("subscribe-status");
  const error = $("subscribe-error");
  const feed = $("feed");

  button.addEventListener("click", async () => {
    button.disabled = true;
    sayError(error);
    say(status, "Creating a feed…");
    try {
      // Not repeated on a lost answer: a second POST would make a second feed.
      const created = await request("POST", FEEDS, { body: selection() });
      $("feed-webcal").value = created.webcal_url;
      $("feed-https").value = created.feed_url;
      feed.hidden = false;
      say(status, "Your feed is ready: add the webcal:// link to your calendar app.");
    } catch (failure) {
      say(status);
      sayError(error, `Could not create a feed: ${failure.message}`);
    } finally {
      button.disabled = false;
    }
  });

  for (const copy of feed.querySelectorAll("button[data-copy]")) {
    copy.addEventListener("click", () => copyFrom($(copy.dataset.copy), status));
  }
}

async function copyFrom(input, status) {
  try {
    await navigator.clipboard.writeText(input.value);
    say(status, "Copied.");
  } catch {
    // No clipboard access (an insecure origin, or permission refused): leave it ready to copy by hand.
    input.focus();
    input.select();
    say(status, "Selected: press Ctrl+C (⌘C on a Mac) to copy.");
  }
}
