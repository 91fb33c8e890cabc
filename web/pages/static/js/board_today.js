// With no session on the board: today's class sessions as large choices, the open ones
// first, so a teacher arriving at a projector picks one in a click instead of reading a list.

import { el, formatTime } from "./dom.js";
import { courseLabel } from "./board_view.js";
import { icon } from "./icons.js";

const STATE_WORDS = { open: "Open now", scheduled: "Scheduled", closed: "Closed" };
const STATE_RANK = { open: 0, scheduled: 1, closed: 2 };

// choices: loadSessionChoices()'s today; onChoose(session id): the teacher picked one.
export function renderToday(section, list, choices, names, onChoose) {
  const sessions = [...choices].sort(
    (a, b) =>
      (STATE_RANK[a.status] ?? 3) - (STATE_RANK[b.status] ?? 3) ||
      a.scheduled_start.localeCompare(b.scheduled_start),
  );
  if (sessions.length === 0) {
    list.replaceChildren(
      el(
        "li",
        { class: "today-none" },
        "No class session today. Choose an earlier one from the list above.",
      ),
    );
  } else {
    list.replaceChildren(...sessions.map((session) => choice(session, names, onChoose)));
  }
  section.hidden = false;
}

function choice(session, names, onChoose) {
  const room = names.rooms.get(session.room_id);
  const link = el(
    "a",
    {
      class: `today-choice today-${session.status}`,
      href: `/board?session=${session.id}`,
      onclick: (event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
        event.preventDefault();
        onChoose(session.id);
      },
    },
    el("span", { class: `today-state state-${session.status}` }, STATE_WORDS[session.status] || session.status),
    el("span", { class: "today-course" }, courseLabel(names.courses.get(session.course_id))),
    el(
      "span",
      { class: "today-facts" },
      el("span", {}, icon("late"), `${formatTime(session.scheduled_start)}–${formatTime(session.scheduled_end)}`),
      el("span", {}, icon("room"), room ? room.name : "unknown room"),
    ),
    el("span", { class: "today-go" }, "Show on the board", icon("arrow")),
  );
  return el("li", {}, link);
}
