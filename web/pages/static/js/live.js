// The live WebSocket as pages keep it: signed in by the session cookie at the upgrade,
// subscribed to one session or camera, reconnected with growing pauses after a blip or a
// service restart. Each (re)connection starts with a fresh snapshot from the service, so a
// page that rebuilds from snapshots never drifts from the database.

import { api } from "./api.js";

const FIRST_PAUSE_MS = 500;
const LONGEST_PAUSE_MS = 10000;
const PING_EVERY_MS = 20000;
// Only a connection that stayed up this long starts the pauses afresh: one that a proxy (or a
// service still starting) accepts and drops at once would otherwise be retried twice a second.
const STEADY_MS = 10000;

export class LiveConnection {
  // subscription: {session_id} or {camera_id}; onMessage(message); onState("connecting" |
  // "live" | "reconnecting", detail)
  constructor(subscription, { onMessage, onState = () => {} }) {
    this.subscription = subscription;
    this.onMessage = onMessage;
    this.onState = onState;
    this.pause = FIRST_PAUSE_MS;
    this.closed = false;
    this.socket = null;
    this.pinger = null;
    this.retry = null;
    this.openedAt = null;
  }

  start() {
    this.closed = false;
    this.connect();
    return this;
  }

  // Follow something else on the same connection (the service sends a new snapshot).
  resubscribe(subscription) {
    this.subscription = subscription;
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "subscribe", ...subscription }));
    }
  }

  stop() {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.pinger);
    if (this.socket) this.socket.close(1000, "page closed");
  }

  connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.onState("connecting");
    const socket = new WebSocket(`${scheme}://${window.location.host}/ws`);
    this.socket = socket;
    // a socket this connection has replaced or stopped may still report: only the current one counts
    socket.addEventListener("open", () => {
      if (socket !== this.socket) return;
      this.openedAt = Date.now();
      socket.send(JSON.stringify({ type: "subscribe", ...this.subscription }));
      this.pinger = setInterval(() => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
      }, PING_EVERY_MS);
      this.onState("live");
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (socket === this.socket) this.onMessage(message);
    });
    socket.addEventListener("close", () => {
      if (socket === this.socket) this.scheduleReconnect();
    });
  }

  async scheduleReconnect() {
    clearInterval(this.pinger);
    if (this.closed) return;
    if (this.openedAt !== null && Date.now() - this.openedAt >= STEADY_MS) {
      this.pause = FIRST_PAUSE_MS;
    }
    this.openedAt = null;
    const pause = this.pause;
    this.pause = Math.min(this.pause * 2, LONGEST_PAUSE_MS);
    this.onState("reconnecting", { inMs: pause });
    this.retry = setTimeout(async () => {
      if (this.closed) return;
      try {
        // a refused upgrade looks like any drop: ask once whether the session expired
        // (api() sends the page to sign-in on a 401)
        await api("GET", "/api/auth/me");
      } catch {
        // the service is still away: keep trying
      }
      if (!this.closed) this.connect();
    }, pause);
  }
}
