// A card per student: who (the enrolment photo's face, or initials when the school keeps no
// photos or the student has none), the status as
// colour, icon and word, when they were first and last seen, and the teacher's override with
// the current status pressed. Cards are built once per roster and then changed in place and
// moved (the missing first), so a teacher's keyboard focus on a card's button survives live
// updates.

import { clear, el, formatTime } from "./dom.js";
import { STATUS_WORDS } from "./board_state.js";
import { icon } from "./icons.js";

export const MARKS = ["present", "excused", "absent"];
const MARK_WORDS = { present: "Present", excused: "Excused", absent: "Absent" };
const MINUTE_MS = 60000;

export function initials(name) {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const first = [...words[0]][0];
  const last = words.length > 1 ? [...words[words.length - 1]][0] : "";
  return (first + last).toUpperCase();
}

// "last seen just now", "last seen 4 min ago", or the time once it is an hour or more.
export function lastSeenWords(iso, now = Date.now()) {
  if (!iso) return "";
  const minutes = Math.floor((now - new Date(iso).getTime()) / MINUTE_MS);
  if (minutes < 1) return "last seen just now";
  if (minutes < 60) return `last seen ${minutes} min ago`;
  return `last seen at ${formatTime(iso)}`;
}

// Decorative: the name beside it says who. A portrait that fails to load (erased meanwhile)
// turns back into initials rather than a broken-image icon.
function avatar(student) {
  const letters = () =>
    el("span", { class: "avatar", "aria-hidden": "true" }, initials(student.displayName));
  if (!student.portrait) return letters();
  const image = el("img", {
    class: "avatar avatar-photo",
    src: `/api/people/${encodeURIComponent(student.personId)}/portrait`,
    alt: "",
    width: "34",
    height: "34",
    loading: "lazy",
    decoding: "async",
  });
  image.addEventListener("error", () => image.replaceWith(letters()), { once: true });
  return image;
}

export class RosterView {
  // onMark(student, status): a teacher's override from a card's button.
  constructor(container, empty, onMark) {
    this.container = container;
    this.empty = empty;
    this.onMark = onMark;
    this.cards = new Map();
    this.students = new Map();
    this.filter = "all";
    // the minutes in "last seen N min ago" move on by themselves
    setInterval(() => this.tick(), MINUTE_MS / 2);
  }

  render(students) {
    if (this.shows(students)) {
      // the same roster again (a fresh snapshot): change in place, keeping focus and scroll
      for (const student of students) this.update(student);
      this.arrange(students);
      return;
    }
    this.cards.clear();
    this.students.clear();
    clear(this.container);
    for (const student of students) {
      const card = this.card(student);
      this.cards.set(student.personId, card);
      this.container.append(card.root);
      this.update(student);
    }
    this.showEmpty();
  }

  shows(students) {
    return (
      this.cards.size > 0 &&
      this.cards.size === students.length &&
      students.every((student) => this.cards.has(student.personId))
    );
  }

  // Puts the cards in this order, moving only those out of place; a focused button keeps
  // its focus (moveBefore keeps it where the browser has it, a plain move loses it).
  arrange(students) {
    const focused = document.activeElement;
    let moved = false;
    students.forEach((student, index) => {
      const root = this.cards.get(student.personId)?.root;
      const here = this.container.children[index];
      if (!root || root === here) return;
      if (this.container.moveBefore) this.container.moveBefore(root, here || null);
      else this.container.insertBefore(root, here || null);
      moved = true;
    });
    if (moved && focused && focused !== document.activeElement && this.container.contains(focused)) {
      focused.focus({ preventScroll: true });
    }
  }

  setFilter(filter) {
    this.filter = filter;
    for (const student of this.students.values()) this.applyFilter(student);
    this.showEmpty();
  }

  applyFilter(student) {
    const card = this.cards.get(student.personId);
    if (card) card.root.hidden = this.filter !== "all" && student.status !== this.filter;
  }

  showEmpty() {
    let words = "";
    if (this.cards.size === 0) words = "Nobody is on this course’s roster.";
    else if (![...this.cards.values()].some((card) => !card.root.hidden)) {
      words = `No student is ${(STATUS_WORDS[this.filter] || this.filter).toLowerCase()} right now.`;
    }
    this.empty.textContent = words;
    this.empty.hidden = !words;
  }

  card(student) {
    const nameId = `card-${student.personId}`;
    const statusIcon = el("span", { class: "status-icon" });
    const statusWord = el("span", { class: "status-word" });
    const status = el("span", { class: "status" }, statusIcon, statusWord);
    const firstSeen = el("span", { class: "card-seen" });
    const lastSeen = el("span", { class: "card-last" });
    const manual = el("span", { class: "card-manual" }, "set by teacher");
    const buttons = new Map(
      MARKS.map((value) => [
        value,
        el(
          "button",
          {
            type: "button",
            class: `mark mark-${value}`,
            "aria-label": `Mark ${student.displayName} ${value}`,
            "aria-pressed": "false",
            title: MARK_WORDS[value],
            onclick: () => this.onMark(student, value),
          },
          icon(value),
        ),
      ]),
    );
    const root = el(
      "li",
      { class: "card", "aria-labelledby": nameId, dataset: { personId: student.personId } },
      el(
        "div",
        { class: "card-who" },
        avatar(student),
        el(
          "div",
          { class: "card-names" },
          el("h3", { id: nameId, class: "card-name" }, student.displayName),
          el(
            "p",
            { class: "card-number" },
            el("span", { class: "visually-hidden" }, "Student no. "),
            student.externalId,
          ),
        ),
      ),
      el("p", { class: "card-status" }, status, firstSeen),
      el("p", { class: "card-times" }, lastSeen, manual),
      el(
        "div",
        { class: "card-actions", role: "group", "aria-label": `Mark ${student.displayName}` },
        [...buttons.values()],
      ),
    );
    return { root, status, statusIcon, statusWord, firstSeen, lastSeen, manual, buttons };
  }

  update(student) {
    const card = this.cards.get(student.personId);
    if (!card) return;
    this.students.set(student.personId, student);
    card.root.className = `card card-${student.status}`;
    card.status.className = `status status-${student.status === "unseen" ? "none" : student.status}`;
    card.statusIcon.replaceChildren(icon(student.status));
    card.statusWord.textContent = STATUS_WORDS[student.status] || student.status;
    card.firstSeen.replaceChildren(
      ...(student.firstSeen
        ? [icon("late"), el("span", { class: "visually-hidden" }, "first seen "), formatTime(student.firstSeen)]
        : []),
    );
    card.firstSeen.title = student.firstSeen ? `First seen at ${formatTime(student.firstSeen)}` : "";
    card.lastSeen.textContent = lastSeenWords(student.lastSeen);
    card.manual.hidden = !student.manual;
    for (const [value, button] of card.buttons) {
      button.setAttribute("aria-pressed", String(value === student.status));
    }
    this.applyFilter(student);
  }

  tick() {
    const now = Date.now();
    for (const student of this.students.values()) {
      const card = this.cards.get(student.personId);
      if (card) card.lastSeen.textContent = lastSeenWords(student.lastSeen, now);
    }
  }
}
