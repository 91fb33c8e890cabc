// Camera states as the admin reads them: the live runtime's status of every enabled camera,
// asked for every few seconds, written into the state cell of each camera's row. Only those
// cells change, so a form the admin has open in the list is never rebuilt under them.

import { api } from "./api.js";
import { el } from "./dom.js";

const REFRESH_EVERY_MS = 3000;

// The words shown; the class only adds colour, the word says it all.
const STATES = {
  live: { word: "Live", tone: "live" },
  connecting: { word: "Connecting", tone: "connecting" },
  reconnecting: { word: "Down, reconnecting", tone: "down" },
  failed: { word: "Down", tone: "down" },
  stopped: { word: "Stopped", tone: "down" },
};

function describeAge(seconds) {
  if (seconds === null || seconds === undefined) return null;
  if (seconds < 1) return "last frame just now";
  if (seconds < 120) return `last frame ${Math.round(seconds)} s ago`;
  return `last frame ${Math.round(seconds / 60)} min ago`;
}

// The contents of one state cell: what the camera is doing, and why when it is not live.
export function stateCell(camera, status) {
  if (!camera.enabled) {
    return [el("span", { class: "camera-state camera-state-off" }, "Disabled")];
  }
  if (!status) {
    // an enabled camera the runtime has not picked up yet (it syncs with the database)
    return [el("span", { class: "camera-state camera-state-connecting" }, "Starting")];
  }
  const waitsForBrowser =
    camera.kind === "webrtc" && ["connecting", "reconnecting"].includes(status.state);
  const known = waitsForBrowser
    ? { word: "Waiting for its browser", tone: "connecting" } // the laptop has not sent video (yet)
    : STATES[status.state] || { word: status.state, tone: "down" };
  const details = [
    describeAge(status.last_frame_age_s),
    status.state === "live" && status.analysis_fps
      ? `${status.analysis_fps.toFixed(1)} frames analysed a second`
      : null,
  ].filter(Boolean);
  return [
    el("span", { class: `camera-state camera-state-${known.tone}` }, known.word),
    details.length ? el("span", { class: "camera-detail muted" }, details.join(", ")) : null,
    status.error && status.error !== "disabled"
      ? el("span", { class: "camera-detail camera-error" }, status.error)
      : null,
  ].filter(Boolean);
}

// Keeps the state cells of `root` current; `cameraOf(id)` gives the camera a cell stands for.
export class CameraStatusWatch {
  constructor(root, cameraOf, onTrouble) {
    this.root = root;
    this.cameraOf = cameraOf;
    this.onTrouble = onTrouble;
    this.statuses = new Map();
    this.timer = null;
    this.asking = false;
  }

  start() {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_EVERY_MS);
    return this;
  }

  statusOf(cameraId) {
    return this.statuses.get(cameraId);
  }

  async refresh() {
    // a slow service would otherwise pile up requests (an older answer painting over a newer
    // one, and the browser's few connections to the service all taken by them)
    if (this.asking) return;
    this.asking = true;
    let answer;
    try {
      answer = await api("GET", "/api/cameras/status");
    } catch (error) {
      this.onTrouble(error);
      return;
    } finally {
      this.asking = false;
    }
    this.onTrouble(null);
    this.statuses = new Map(answer.items.map((status) => [status.camera_id, status]));
    this.paint();
  }

  // Writes every state cell from the statuses last heard.
  paint() {
    for (const cell of this.root.querySelectorAll("[data-state-of]")) {
      const camera = this.cameraOf(cell.dataset.stateOf);
      if (camera) cell.replaceChildren(...stateCell(camera, this.statuses.get(camera.id)));
    }
  }
}
