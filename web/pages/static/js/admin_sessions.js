// Class sessions: the chosen day's sessions (today's at first) with their steps, and the
// forms that schedule one session or a weekly timetable.

import { listAll } from "./api.js";
import { startPage } from "./chrome.js";
import { showError } from "./dom.js";
import {
  describeCourse,
  describeRoom,
  fillChoices,
  wireScheduleForm,
  wireTimetableForm,
} from "./admin_sessions_forms.js";
import { SessionsList } from "./admin_sessions_list.js";
import { dayRange, today } from "./admin_sessions_time.js";

// Sessions change without this page: teachers start and stop them on the board, and the
// service closes those nobody stopped at their scheduled end.
const REFRESH_EVERY_MS = 30000;

class SessionsPage {
  constructor() {
    this.shown = null;
    this.courses = new Map();
    this.rooms = new Map();
    this.filter = document.getElementById("session-filter");
    this.feedback = document.getElementById("sessions-feedback");
    this.list = new SessionsList(document.getElementById("sessions-list"), this.feedback, {
      namesOf: () => ({ courses: this.courses, rooms: this.rooms }),
      onChanged: () => this.showSessions(),
    });
    this.filter.elements.day.value = today();
    this.filter.addEventListener("submit", (event) => {
      event.preventDefault();
      this.showSessions();
    });
    for (const select of this.filter.querySelectorAll("select, input")) {
      select.addEventListener("change", () => this.showSessions());
    }
    // after scheduling, the list turns to the day of the (first) new session
    wireScheduleForm(document.getElementById("schedule-session"), (day) => this.showDay(day));
    wireTimetableForm(document.getElementById("timetable"), (day) => this.showDay(day));
  }

  async loadChoices() {
    const [courses, rooms] = await Promise.all([listAll("/api/courses"), listAll("/api/rooms")]);
    this.courses = new Map(courses.map((course) => [course.id, course]));
    this.rooms = new Map(rooms.map((room) => [room.id, room]));
    fillChoices(this.filter.elements.course_id, courses, describeCourse, { any: "All courses" });
    fillChoices(this.filter.elements.room_id, rooms, describeRoom, { any: "All rooms" });
    for (const id of ["schedule-course", "timetable-course"]) {
      fillChoices(document.getElementById(id), courses, describeCourse);
    }
    for (const id of ["schedule-room", "timetable-room"]) {
      fillChoices(document.getElementById(id), rooms, describeRoom);
    }
  }

  query(day) {
    const fields = this.filter.elements;
    const { from, to } = dayRange(day);
    const query = new URLSearchParams({ from, to });
    for (const name of ["course_id", "room_id", "status"]) {
      if (fields[name].value) query.set(name, fields[name].value);
    }
    return query;
  }

  async showDay(day) {
    this.filter.elements.day.value = day;
    await this.showSessions();
  }

  async showSessions() {
    try {
      const day = this.filter.elements.day.value || today();
      const sessions = await listAll(`/api/sessions?${this.query(day)}`);
      // the API lists the latest first; a day reads best in the order it happens
      sessions.sort((a, b) => new Date(a.scheduled_start) - new Date(b.scheduled_start));
      // redrawn only when something changed, so a periodic refresh never moves focus
      const shown = JSON.stringify([day, sessions]);
      if (shown !== this.shown) this.list.render(sessions, day);
      this.shown = shown;
    } catch (error) {
      showError(this.feedback, error);
    }
  }

  async start() {
    try {
      await this.loadChoices();
    } catch (error) {
      showError(this.feedback, error);
      return;
    }
    await this.showSessions();
    setInterval(() => this.showSessions(), REFRESH_EVERY_MS);
  }
}

await startPage();
await new SessionsPage().start();
