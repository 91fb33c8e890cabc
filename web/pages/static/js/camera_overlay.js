// The faces the service sees, drawn over the preview: a box and a name (or "unknown") per
// face, scaled from the frame size the service reports to the preview's size on screen, and
// listed as text under it. Boxes older than two seconds are taken down.

import { el } from "./dom.js";

const STALE_MS = 2000;
const STATE_WORDS = { voting: "checking…", low_quality: "unclear face", unknown: "unknown" };
const COLOURS = { known: "#1e7f3f", unknown: "#b3261e", pending: "#4a5260" };

function labelOf(box) {
  return box.label || STATE_WORDS[box.state] || "unknown";
}

function kindOf(box) {
  if (box.label) return "known";
  return box.state === "voting" || box.state === "low_quality" ? "pending" : "unknown";
}

export class FaceOverlay {
  constructor(video, canvas, list, summary) {
    this.video = video;
    this.canvas = canvas;
    this.list = list;
    this.summary = summary;
    this.message = null;
    this.expiry = null;
    this.described = "";
    // label -> when this page first drew it (ms since the epoch): the tests' mark
    this.firstDrawn = new Map();
    new ResizeObserver(() => this.draw()).observe(video);
  }

  show(message) {
    this.message = message;
    this.draw();
    this.describe();
    clearTimeout(this.expiry);
    // an empty message needs no taking down (scheduling one anyway re-armed the timer forever)
    if (message.boxes.length) {
      this.expiry = setTimeout(() => this.show({ ...message, boxes: [] }), STALE_MS);
    }
  }

  draw() {
    const { video, canvas } = this;
    const width = video.clientWidth;
    const height = video.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const message = this.message;
    if (!message || !message.width || !message.height) return;
    const scaleX = width / message.width;
    const scaleY = height / message.height;
    context.font = "600 16px system-ui, sans-serif";
    context.lineWidth = 3;
    for (const box of message.boxes) {
      const [x1, y1, x2, y2] = box.bbox;
      const colour = COLOURS[kindOf(box)];
      const left = x1 * scaleX;
      const top = y1 * scaleY;
      context.strokeStyle = colour;
      context.strokeRect(left, top, (x2 - x1) * scaleX, (y2 - y1) * scaleY);
      const text = labelOf(box);
      const tagTop = Math.max(0, top - 24);
      context.fillStyle = colour;
      context.fillRect(left, tagTop, context.measureText(text).width + 12, 24);
      context.fillStyle = "#ffffff";
      context.fillText(text, left + 6, tagTop + 17);
    }
  }

  describe() {
    const boxes = this.message ? this.message.boxes : [];
    const now = Date.now();
    const items = boxes.map((box) => {
      const label = labelOf(box);
      if (box.label && !this.firstDrawn.has(label)) this.firstDrawn.set(label, now);
      return el(
        "li",
        {
          class: `face-${kindOf(box)}`,
          dataset: box.label ? { firstDrawnAt: String(this.firstDrawn.get(label)) } : {},
        },
        label,
      );
    });
    this.list.replaceChildren(...items);
    // the live region speaks only when who is in view changes, not at every message
    const labels = boxes.map(labelOf).sort().join(", ");
    if (labels === this.described) return;
    this.described = labels;
    this.summary.textContent = boxes.length
      ? `${boxes.length} face${boxes.length === 1 ? "" : "s"} in view: ${labels}`
      : "No faces in view.";
  }
}
