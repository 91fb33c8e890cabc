// The board's parts on the page: the session's heading, the counts, the room's cameras and
// a card per student. Cards are built once per snapshot and then changed in place, so a
// teacher's keyboard focus on a card's button survives live updates.

import { clear, el, formatDateTime, formatTime } from "./dom.js";
import { COUNTED, STATUS_WORDS, cameraHealth } from "./board_state.js";

export const MARKS = [
  ["present", "Present"],
  ["excused", "Excused"],
  ["absent", "Absent"],
];

const SESSION_WORDS = {
  scheduled: "scheduled",
  open: "open",
  closed: "closed",
  cancelled: "cancelled",
};

export function courseLabel(course) {
  return course ? `${course.name} (${course.code})` : "Unknown course";
}

export function renderSummary(title, meta, session, names) {
  const course = names.courses.get(session.course_id);
  const room = names.rooms.get(session.room_id);
  title.textContent = courseLabel(course);
  meta.replaceChildren(
    el(
      "span",
      { class: `session-state session-${session.status}` },
      `Session ${SESSION_WORDS[session.status] || session.status}`,
    ),
    ` · ${formatDateTime(session.scheduled_start)}–${formatTime(session.scheduled_end)}`,
    ` · ${room ? room.name : "unknown room"}`,
  );
}

export function renderCounts(container, counts) {
  const items = [...COUNTED, "unknown"].map((key) =>
    el(
      "li",
      { class: `count count-${key}` },
      el("span", { class: "count-number" }, counts[key]),
      el("span", { class: "count-label" }, key === "unknown" ? "Unknown faces" : STATUS_WORDS[key]),
    ),
  );
  container.replaceChildren(...items);
}

export function renderCameras(container, cameras) {
  if (cameras.length === 0) {
    container.replaceChildren(el("li", { class: "muted" }, "No camera in this room"));
    return;
  }
  container.replaceChildren(
    ...cameras.map((camera) => {
      const health = cameraHealth(camera.state);
      return el(
        "li",
        { class: `camera camera-${health}` },
        el("span", { class: "camera-name" }, camera.name),
        el("span", { class: `camera-health health-${health}` }, health),
        camera.error && health !== "live" ? el("span", { class: "camera-error" }, camera.error) : null,
      );
    }),
  );
}

export class RosterView {
  // onMark(student, status): a teacher's override from a card's button.
  constructor(container, onMark) {
    this.container = container;
    this.onMark = onMark;
    this.cards = new Map();
  }

  render(students) {
    if (this.shows(students)) {
      // the same roster again (a fresh snapshot): change in place, keeping focus and scroll
      for (const student of students) this.update(student);
      return;
    }
    this.cards.clear();
    if (students.length === 0) {
      this.container.replaceChildren(el("li", { class: "muted" }, "Nobody is on this course's roster."));
      return;
    }
    clear(this.container);
    for (const student of students) {
      const card = this.card(student);
      this.cards.set(student.personId, card);
      this.container.append(card.root);
      this.update(student);
    }
  }

  shows(students) {
    const shown = [...this.cards.keys()];
    return (
      shown.length > 0 &&
      shown.length === students.length &&
      students.every((student, index) => shown[index] === student.personId)
    );
  }

  card(student) {
    const nameId = `card-${student.personId}`;
    const status = el("span", { class: "status" });
    const seen = el("span", { class: "card-seen" });
    const manual = el("span", { class: "card-manual" }, "set by teacher");
    const buttons = MARKS.map(([value, word]) =>
      el(
        "button",
        {
          type: "button",
          class: "secondary",
          "aria-label": `Mark ${student.displayName} ${value}`,
          onclick: () => this.onMark(student, value),
        },
        word,
      ),
    );
    const root = el(
      "li",
      { class: "card", "aria-labelledby": nameId, dataset: { personId: student.personId } },
      el("h3", { id: nameId, class: "card-name" }, student.displayName),
      el("p", { class: "card-number" }, `Student no. ${student.externalId}`),
      el("p", { class: "card-status" }, status, seen, manual),
      el("div", { class: "card-actions", role: "group", "aria-label": `Mark ${student.displayName}` }, buttons),
    );
    return { root, status, seen, manual };
  }

  update(student) {
    const card = this.cards.get(student.personId);
    if (!card) return;
    card.root.className = `card card-${student.status}`;
    card.status.className = `status status-${student.status === "unseen" ? "none" : student.status}`;
    card.status.textContent = STATUS_WORDS[student.status] || student.status;
    card.seen.textContent = student.firstSeen ? `seen ${formatTime(student.firstSeen)}` : "";
    card.manual.hidden = !student.manual;
  }
}
