// The live board a teacher keeps open during class: pick a session (kept in the address as
// ?session=<id>, so a reload or a service restart brings the same one back; with none, today's
// sessions are offered), then follow it over the WebSocket. Every (re)connection starts from
// a snapshot that rebuilds the board; live messages change one card (which moves to its
// place: the missing first), a count or a camera.

import { api } from "./api.js";
import { startPage } from "./chrome.js";
import { clear, showError } from "./dom.js";
import { LiveConnection } from "./live.js";
import { BoardState, STATUS_WORDS } from "./board_state.js";
import { CountsView, renderCameras, renderSummary } from "./board_view.js";
import { RosterView } from "./board_cards.js";
import { fillPicker, loadNames, loadSessionChoices } from "./board_sessions.js";
import { renderToday } from "./board_today.js";

const SESSION_PARAM = "session";
// A session opening or closing (and the absentees a close marks) arrives as a "session"
// message that makes the board re-read its snapshot; the slow refresh is a safety net for a
// message lost while the service was busy dropping a slow client.
const REFRESH_EVERY_MS = 60000;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// a teacher's mark is confirmed at the foot of the screen, then the line clears itself
const NOTICE_MS = 15000;
const PAGE_TITLE = document.title;

function byId(id) {
  return document.getElementById(id);
}

function sessionInAddress() {
  const value = new URLSearchParams(window.location.search).get(SESSION_PARAM) || "";
  return UUID_PATTERN.test(value) ? value.toLowerCase() : null;
}

function keepInAddress(sessionId) {
  const url = new URL(window.location.href);
  if (sessionId) url.searchParams.set(SESSION_PARAM, sessionId);
  else url.searchParams.delete(SESSION_PARAM);
  window.history.replaceState(null, "", url);
}

function connectionWords(state, detail) {
  if (state === "live") return "Live";
  if (state === "reconnecting") return `Reconnecting in ${Math.ceil(detail.inMs / 1000)} s…`;
  return "Connecting…";
}

class Board {
  constructor(names, today) {
    this.names = names;
    this.today = today;
    this.parts = {
      exportLink: byId("export-csv"),
      connection: byId("connection"),
      problems: byId("board-problems"),
      notice: byId("board-notice"),
      board: byId("board"),
      title: byId("board-title"),
      meta: byId("session-meta"),
      cameras: byId("cameras"),
      camerasPanel: byId("cameras-panel"),
      todaySection: byId("today"),
      todayList: byId("today-sessions"),
      picker: byId("session-picker"),
      recognitionOff: byId("recognition-off"),
    };
    this.placeholder = { title: this.parts.title.textContent, meta: this.parts.meta.textContent };
    this.roster = new RosterView(byId("roster"), byId("roster-empty"), (student, status) =>
      this.mark(student, status),
    );
    this.counts = new CountsView(byId("counts"), (filter) => this.roster.setFilter(filter));
    this.noticeTimer = null;
    this.sessionId = null;
    this.state = null;
    this.live = null;
    setInterval(() => this.refresh(), REFRESH_EVERY_MS);
  }

  refresh() {
    if (this.live && this.sessionId) this.live.resubscribe({ session_id: this.sessionId });
  }

  show(sessionId) {
    const { exportLink, board, problems, connection, todaySection, picker, camerasPanel } =
      this.parts;
    this.sessionId = sessionId;
    this.state = null;
    keepInAddress(sessionId);
    picker.value = sessionId || "";
    board.hidden = true;
    camerasPanel.hidden = true;
    clear(problems);
    this.say("");
    this.counts.choose("all");
    exportLink.hidden = !sessionId;
    connection.hidden = !sessionId;
    todaySection.hidden = Boolean(sessionId);
    if (!sessionId) {
      exportLink.removeAttribute("href");
      if (this.live) this.live.stop();
      this.live = null;
      this.parts.title.textContent = this.placeholder.title;
      this.parts.meta.textContent = this.placeholder.meta;
      document.title = PAGE_TITLE;
      const { todaySection: section, todayList: list } = this.parts;
      renderToday(section, list, this.today, this.names, (id) => this.show(id));
      return;
    }
    exportLink.href = `/api/sessions/${sessionId}/attendance.csv`;
    const subscription = { session_id: sessionId };
    if (this.live) {
      this.live.resubscribe(subscription);
    } else {
      this.live = new LiveConnection(subscription, {
        onMessage: (message) => this.receive(message),
        onState: (state, detail) => {
          this.parts.connection.textContent = connectionWords(state, detail);
          this.parts.connection.className = `connection connection-${state}`;
        },
      }).start();
    }
  }

  receive(message) {
    if (message.type === "snapshot") {
      if (!message.session || message.session.id !== this.sessionId) return;
      this.state = new BoardState(message);
      this.renderAll();
    } else if (message.type === "error") {
      showError(this.parts.problems, message);
    } else if (this.state === null) {
      // events before the snapshot are in it already
    } else if (message.type === "attendance") {
      const student = this.state.applyAttendance(message);
      if (student) this.changed(student);
    } else if (message.type === "session") {
      // opened, closed (absentees marked) or cancelled: a fresh snapshot shows it all
      if (message.session_id === this.sessionId) this.refresh();
    } else if (message.type === "unknown_face") {
      if (this.state.applyUnknownFace(message)) this.counts.render(this.state.counts());
    } else if (message.type === "camera_status") {
      if (this.state.applyCameraStatus(message)) {
        renderCameras(this.parts.cameras, [...this.state.cameras.values()]);
      } else {
        this.learnCamera(message);
      }
    }
  }

  // A camera the snapshot did not list may have joined the room since: ask once per board.
  async learnCamera(message) {
    const state = this.state;
    if (state.askedCameras.has(message.camera_id)) return;
    state.askedCameras.add(message.camera_id);
    try {
      const camera = await api("GET", `/api/cameras/${message.camera_id}`);
      if (this.state === state && state.addCamera(camera, message)) {
        renderCameras(this.parts.cameras, [...state.cameras.values()]);
      }
    } catch {
      // removed meanwhile: nothing to show
    }
  }

  renderAll() {
    const { board, title, meta, cameras, camerasPanel, problems } = this.parts;
    clear(problems);
    renderSummary(title, meta, this.state.session, this.names);
    this.parts.recognitionOff.hidden = this.state.recognition;
    this.counts.render(this.state.counts());
    renderCameras(cameras, [...this.state.cameras.values()]);
    this.roster.render(this.state.sortedStudents());
    board.hidden = false;
    camerasPanel.hidden = false;
  }

  // One student changed: their card, its place among the others, the counts.
  changed(student) {
    this.roster.update(student);
    this.roster.arrange(this.state.sortedStudents());
    this.roster.showEmpty();
    this.counts.render(this.state.counts());
  }

  say(words) {
    const { notice } = this.parts;
    clearTimeout(this.noticeTimer);
    notice.textContent = words;
    notice.classList.toggle("board-notice-shown", Boolean(words));
    if (words) this.noticeTimer = setTimeout(() => this.say(""), NOTICE_MS);
  }

  // A teacher's decision; the card changes from the answer, the live message agrees later.
  async mark(student, status) {
    const { problems } = this.parts;
    const sessionId = this.sessionId;
    this.say(`Marking ${student.displayName} ${status}…`);
    try {
      const record = await api("PUT", `/api/sessions/${sessionId}/attendance/${student.personId}`, {
        json: { status },
      });
      const changed = this.state && this.state.applyAttendance(record);
      if (changed) this.changed(changed);
      this.say(`${student.displayName}: ${STATUS_WORDS[record.status]}, set by teacher`);
    } catch (error) {
      this.say("");
      showError(problems, error);
    }
  }
}

async function chosenSession(sessionId) {
  if (!sessionId) return null;
  try {
    return await api("GET", `/api/sessions/${sessionId}`);
  } catch {
    return null; // gone or never was: the picker starts empty
  }
}

async function main() {
  await startPage();
  const picker = byId("session-picker");
  const problems = byId("board-problems");
  try {
    const [names, choices, chosen] = await Promise.all([
      loadNames(),
      loadSessionChoices(),
      chosenSession(sessionInAddress()),
    ]);
    const asked = new URLSearchParams(window.location.search).has(SESSION_PARAM);
    fillPicker(picker, choices, names, chosen);
    const board = new Board(names, choices.today);
    board.show(chosen ? chosen.id : null);
    if (asked && !chosen) {
      showError(problems, { message: "The class session in the address was not found; choose one." });
    }
    picker.addEventListener("change", () => board.show(picker.value || null));
  } catch (error) {
    showError(problems, error);
  }
}

main();
