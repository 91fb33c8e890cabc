// A camera's live view as the service streams it: GET /api/cameras/{id}/live answers one JSON
// preview a line (blank lines keep it alive) for a minute, then ends and is asked for again,
// so a camera that moved to another replica is followed there. A refusal or a drop is tried
// again after a pause that grows up to ten seconds.

import { errorOf, signInUrl } from "./api.js";

const FIRST_PAUSE_MS = 500;
const LONGEST_PAUSE_MS = 10000;

export class LiveViewStream {
  // onPreview(preview); onState("connecting" | "live" | "waiting", {error, inMs})
  constructor(cameraId, { onPreview, onState = () => {} }) {
    this.cameraId = cameraId;
    this.onPreview = onPreview;
    this.onState = onState;
    this.pause = FIRST_PAUSE_MS;
    this.stopped = false;
    this.controller = null;
  }

  start() {
    this.run();
    return this;
  }

  stop() {
    this.stopped = true;
    if (this.controller) this.controller.abort();
  }

  async run() {
    while (!this.stopped) {
      let problem = null;
      try {
        await this.follow();
        this.pause = FIRST_PAUSE_MS; // a stream that ran its course: ask again at once
      } catch (error) {
        problem = error;
      }
      if (this.stopped) return;
      if (problem) {
        const pause = this.pause;
        this.pause = Math.min(this.pause * 2, LONGEST_PAUSE_MS);
        this.onState("waiting", { error: problem, inMs: pause });
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  async follow() {
    this.controller = new AbortController();
    this.onState("connecting");
    const response = await fetch(`/api/cameras/${encodeURIComponent(this.cameraId)}/live`, {
      credentials: "same-origin",
      headers: { Accept: "application/x-ndjson" },
      signal: this.controller.signal,
    });
    if (response.status === 401) {
      this.stopped = true;
      window.location.assign(signInUrl());
      return;
    }
    if (!response.ok) throw await errorOf(response);
    this.onState("live");
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let pending = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop();
      for (const line of lines) {
        if (line.trim()) this.onPreview(JSON.parse(line));
      }
    }
  }
}
