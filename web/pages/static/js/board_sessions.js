// The class sessions a teacher can put on the board: today's first (open ones said so), then
// the most recent others; with course and room names, which the sessions hold only as ids.

import { api, listAll } from "./api.js";
import { el, formatDateTime, formatTime } from "./dom.js";
import { courseLabel } from "./board_view.js";

const OTHERS_SHOWN = 50;

export async function loadNames() {
  const [courses, rooms] = await Promise.all([listAll("/api/courses"), listAll("/api/rooms")]);
  return {
    courses: new Map(courses.map((course) => [course.id, course])),
    rooms: new Map(rooms.map((room) => [room.id, room])),
  };
}

function todaysBounds() {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

// {today, others}: today's and any open session by start time, then the latest others.
export async function loadSessionChoices() {
  const { from, to } = todaysBounds();
  const query = new URLSearchParams({ from, to }).toString();
  const [today, open, latest] = await Promise.all([
    listAll(`/api/sessions?${query}`),
    listAll("/api/sessions?status=open"),
    api("GET", `/api/sessions?limit=${OTHERS_SHOWN}`),
  ]);
  const first = new Map();
  for (const session of [...today, ...open]) {
    if (session.status !== "cancelled") first.set(session.id, session);
  }
  const byStart = (a, b) => a.scheduled_start.localeCompare(b.scheduled_start);
  return {
    today: [...first.values()].sort(byStart),
    others: latest.items.filter((session) => !first.has(session.id)),
  };
}

export function sessionLabel(session, names, { withDate }) {
  const course = courseLabel(names.courses.get(session.course_id));
  const room = names.rooms.get(session.room_id);
  const when = withDate ? formatDateTime(session.scheduled_start) : formatTime(session.scheduled_start);
  const state = session.status === "open" ? "open now" : session.status;
  return `${course} · ${when}–${formatTime(session.scheduled_end)} · ${room ? room.name : "unknown room"} · ${state}`;
}

function option(session, names, withDate) {
  return el(
    "option",
    { value: session.id, class: session.status === "open" ? "open" : null },
    sessionLabel(session, names, { withDate }),
  );
}

// The picker's options; a chosen session missing from the lists (an old one) is added.
export function fillPicker(select, choices, names, chosen) {
  const placeholder = el("option", { value: "" }, "Choose a class session…");
  const groups = [];
  if (choices.today.length) {
    groups.push(el("optgroup", { label: "Today" }, choices.today.map((s) => option(s, names, false))));
  }
  const others = [...choices.others];
  if (chosen && !choices.today.some((s) => s.id === chosen.id) && !others.some((s) => s.id === chosen.id)) {
    others.unshift(chosen);
  }
  if (others.length) {
    groups.push(el("optgroup", { label: "Other sessions" }, others.map((s) => option(s, names, true))));
  }
  select.replaceChildren(placeholder, ...groups);
}
