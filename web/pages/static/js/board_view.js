// The board's parts around the cards: the session's heading, the counts (each one also a
// filter: the teacher picks a count to see only those students) and the room's cameras.

import { el, formatDateTime, formatTime } from "./dom.js";
import { COUNTED, STATUS_WORDS, cameraHealth } from "./board_state.js";
import { icon } from "./icons.js";

const SESSION_WORDS = {
  scheduled: "scheduled",
  open: "open",
  closed: "closed",
  cancelled: "cancelled",
};

const HEALTH_WORDS = { live: "live", connecting: "connecting", down: "down" };

export function courseLabel(course) {
  return course ? `${course.name} (${course.code})` : "Unknown course";
}

function isToday(iso) {
  return new Date(iso).toDateString() === new Date().toDateString();
}

export function renderSummary(title, meta, session, names) {
  const course = names.courses.get(session.course_id);
  const room = names.rooms.get(session.room_id);
  title.textContent = courseLabel(course);
  document.title = `${courseLabel(course)} · Attendance board · Rollcall`;
  meta.replaceChildren(
    el(
      "span",
      { class: `session-state session-${session.status}` },
      `Session ${SESSION_WORDS[session.status] || session.status}`,
    ),
    el(
      "span",
      {},
      // today's session needs no date: the board is read while it runs
      `${isToday(session.scheduled_start) ? formatTime(session.scheduled_start) : formatDateTime(session.scheduled_start)}` +
        `–${formatTime(session.scheduled_end)}`,
    ),
    el("span", {}, room ? room.name : "unknown room"),
  );
}

export class CountsView {
  // onFilter(status | "all"): the teacher chose which students the cards show.
  constructor(container, onFilter) {
    this.container = container;
    this.onFilter = onFilter;
    this.filter = "all";
    this.numbers = new Map();
    this.buttons = new Map();
    const filters = ["all", ...COUNTED].map((key) => {
      const number = el("span", { class: "count-number" }, "0");
      const button = el(
        "button",
        {
          type: "button",
          class: "count-button",
          "aria-pressed": String(key === this.filter),
          "aria-describedby": "counts-hint",
          onclick: () => this.choose(this.filter === key ? "all" : key),
        },
        icon(key),
        number,
        el("span", { class: "count-label" }, key === "all" ? "All" : STATUS_WORDS[key]),
      );
      this.numbers.set(key, number);
      this.buttons.set(key, button);
      return el("li", { class: `count count-${key}` }, button);
    });
    const unknownNumber = el("span", { class: "count-number" }, "0");
    this.numbers.set("unknown", unknownNumber);
    const unknown = el(
      "li",
      { class: "count count-unknown" },
      el(
        "span",
        { class: "count-static" },
        icon("unknown"),
        unknownNumber,
        el("span", { class: "count-label" }, "Unknown faces"),
      ),
    );
    container.replaceChildren(...filters, unknown);
  }

  render(counts) {
    for (const [key, number] of this.numbers) {
      const value = counts[key] ?? 0;
      number.textContent = String(value);
      number.closest(".count").classList.toggle("count-zero", value === 0 && key !== "all");
    }
  }

  choose(filter) {
    this.filter = filter;
    for (const [key, button] of this.buttons) button.setAttribute("aria-pressed", String(key === filter));
    this.onFilter(filter);
  }
}

export function renderCameras(container, cameras) {
  if (cameras.length === 0) {
    container.replaceChildren(
      el("li", { class: "camera camera-none" }, icon("cameraOff"), "No camera in this room"),
    );
    return;
  }
  container.replaceChildren(
    ...cameras.map((camera) => {
      const health = cameraHealth(camera.state);
      return el(
        "li",
        {
          class: `camera camera-${health}`,
          title: camera.error && health !== "live" ? camera.error : null,
        },
        icon(health === "down" ? "cameraOff" : "camera"),
        el("span", { class: "camera-name" }, camera.name),
        el("span", { class: `camera-health health-${health}` }, HEALTH_WORDS[health]),
        camera.error && health !== "live" ? el("span", { class: "camera-error" }, camera.error) : null,
      );
    }),
  );
}
