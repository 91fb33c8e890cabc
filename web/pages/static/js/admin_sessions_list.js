// The sessions of the chosen day as a table, with the steps each state allows: start a
// scheduled session, stop an open one, cancel either, and open its board. A refused step
// (another user moved the session since the list was loaded) shows the service's words.

import { api } from "./api.js";
import { clear, el, formatTime, showError, showNotice } from "./dom.js";
import { confirmStep, rowButton, whileBusy } from "./admin_common.js";

const STATE_WORDS = {
  scheduled: "Scheduled",
  open: "Open",
  closed: "Closed",
  cancelled: "Cancelled",
};

export class SessionsList {
  // namesOf() -> {courses: Map(id -> course), rooms: Map(id -> room)}; onChanged() reloads
  constructor(root, feedback, { namesOf, onChanged }) {
    this.root = root;
    this.feedback = feedback;
    this.namesOf = namesOf;
    this.onChanged = onChanged;
  }

  // `day` ("2026-11-29") names the table for screen readers
  render(sessions, day) {
    if (!sessions.length) {
      this.root.replaceChildren(el("p", { class: "muted" }, "No sessions match."));
      return;
    }
    const columns = ["Course", "Room", "Starts", "Ends", "State", "Actions"];
    this.root.replaceChildren(
      el(
        "table",
        { class: "sessions" },
        el("caption", { class: "visually-hidden" }, `Class sessions on ${day}`),
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            columns.map((name) => el("th", { scope: "col" }, name)),
          ),
        ),
        el(
          "tbody",
          {},
          sessions.map((session) => this.row(session)),
        ),
      ),
    );
  }

  describe(session) {
    const { courses, rooms } = this.namesOf();
    const course = courses.get(session.course_id);
    const room = rooms.get(session.room_id);
    return {
      course: course ? `${course.code} ${course.name}` : "(deleted course)",
      courseCode: course ? course.code : "session",
      room: room ? room.name : "(deleted room)",
    };
  }

  row(session) {
    const names = this.describe(session);
    const label = `${names.courseCode} at ${formatTime(session.scheduled_start)}`;
    const step = (verb, path, done, kind = "secondary") =>
      rowButton(verb, label, (event) => this.move(session, path, done, event.currentTarget), kind);
    const actions = [
      session.status === "scheduled" ? step("Start", "start", `${label} started.`, "") : null,
      session.status === "open"
        ? step("Stop", "stop", `${label} stopped; absentees marked.`, "")
        : null,
      ["scheduled", "open"].includes(session.status)
        ? step("Cancel", "cancel", `${label} cancelled.`, "danger")
        : null,
      el(
        "a",
        { href: `/board?session=${encodeURIComponent(session.id)}` },
        "Board",
        el("span", { class: "visually-hidden" }, ` of ${label}`),
      ),
    ];
    return el(
      "tr",
      { dataset: { sessionId: session.id } },
      el("th", { scope: "row" }, names.course),
      el("td", {}, names.room),
      el("td", {}, formatTime(session.scheduled_start)),
      el("td", {}, formatTime(session.scheduled_end)),
      el(
        "td",
        {},
        el(
          "span",
          { class: `session-state session-state-${session.status}` },
          STATE_WORDS[session.status] || session.status,
        ),
      ),
      el("td", {}, el("div", { class: "actions" }, actions)),
    );
  }

  async move(session, path, done, button) {
    if (path === "cancel") {
      const confirmed = await confirmStep({
        title: "Cancel this session?",
        message: "A cancelled session cannot be opened again; attendance is not taken.",
        confirmLabel: "Cancel session",
        returnFocus: button,
      });
      if (!confirmed) return;
    }
    clear(this.feedback);
    try {
      await whileBusy(button, () => api("POST", `/api/sessions/${session.id}/${path}`));
    } catch (error) {
      showError(this.feedback, error);
      // the refusal stays; the list shows where the session really is now
      await this.onChanged();
      this.focusRow(session.id);
      return;
    }
    await this.onChanged();
    showNotice(this.feedback, done);
    this.focusRow(session.id);
  }

  // The list was drawn afresh and the pressed button with it: keyboard focus goes to the
  // session's next step (Stop after Start), or to its board link once no step is left.
  focusRow(sessionId) {
    const row = this.root.querySelector(`tr[data-session-id="${sessionId}"]`);
    const target = row ? row.querySelector("button, a") : null;
    if (target) target.focus();
  }
}
