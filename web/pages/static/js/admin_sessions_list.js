// The sessions of the chosen day as a table, with the steps each state allows: start a
// scheduled session, stop an open one, cancel either, and open its board. A refused step
// (another user moved the session since the list was loaded) shows the service's words.

import { api } from "./api.js";
import { clear, el, formatTime, showError, showNotice } from "./dom.js";

const STATE_WORDS = { scheduled: "Scheduled", open: "Open", closed: "Closed", cancelled: "Cancelled" };

export class SessionsList {
  // namesOf() -> {courses: Map(id -> course), rooms: Map(id -> room)}; onChanged() reloads
  constructor(root, feedback, { namesOf, onChanged }) {
    this.root = root;
    this.feedback = feedback;
    this.namesOf = namesOf;
    this.onChanged = onChanged;
  }

  render(sessions) {
    if (!sessions.length) {
      this.root.replaceChildren(el("p", { class: "muted" }, "No sessions match."));
      return;
    }
    const columns = ["Course", "Room", "Starts", "Ends", "State", "Actions"];
    this.root.replaceChildren(
      el(
        "table",
        { class: "sessions" },
        el("caption", { class: "visually-hidden" }, "Class sessions"),
        el("thead", {}, el("tr", {}, columns.map((name) => el("th", { scope: "col" }, name)))),
        el("tbody", {}, sessions.map((session) => this.row(session))),
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
    const step = (verb, path, done) =>
      el(
        "button",
        { type: "button", class: verb === "Cancel" ? "danger" : null, "aria-label": `${verb} ${label}`, onclick: () => this.move(session, path, done, verb === "Cancel") },
        verb,
      );
    const actions = [
      session.status === "scheduled" ? step("Start", "start", `${label} started.`) : null,
      session.status === "open" ? step("Stop", "stop", `${label} stopped; absentees marked.`) : null,
      ["scheduled", "open"].includes(session.status) ? step("Cancel", "cancel", `${label} cancelled.`) : null,
      el("a", { href: `/board?session=${encodeURIComponent(session.id)}`, "aria-label": `Board of ${label}` }, "Board"),
    ];
    return el(
      "tr",
      { dataset: { sessionId: session.id } },
      el("th", { scope: "row" }, names.course),
      el("td", {}, names.room),
      el("td", {}, formatTime(session.scheduled_start)),
      el("td", {}, formatTime(session.scheduled_end)),
      el("td", {}, el("span", { class: `session-state session-state-${session.status}` }, STATE_WORDS[session.status] || session.status)),
      el("td", {}, el("div", { class: "actions" }, actions)),
    );
  }

  async move(session, path, done, confirmFirst) {
    if (confirmFirst && !window.confirm("Cancel this session? A cancelled session cannot be reopened.")) return;
    clear(this.feedback);
    try {
      await api("POST", `/api/sessions/${session.id}/${path}`);
    } catch (error) {
      showError(this.feedback, error);
      // the refusal stays; the list shows where the session really is now
      await this.onChanged();
      return;
    }
    await this.onChanged();
    showNotice(this.feedback, done);
  }
}
