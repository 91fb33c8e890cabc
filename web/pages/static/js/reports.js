// Attendance reports: a course and a span of days (in the browser's time zone), then each
// student's counts and rate with a small stacked bar, drawn here as inline SVG (nothing is
// loaded from elsewhere), and the same report as a CSV download.

import { api, listAll } from "./api.js";
import { startPage } from "./chrome.js";
import { clear, el, showError } from "./dom.js";
import { count, dataTable, onSubmit, whileBusy } from "./admin_common.js";

const SVG = "http://www.w3.org/2000/svg";
const PARTS = [
  ["present", "present"],
  ["late", "late"],
  ["absent", "absent"],
  ["excused", "excused"],
  ["unseen", "not yet marked"],
];
const DEFAULT_DAYS = 30;

const form = document.getElementById("report-form");
const courseSelect = document.getElementById("report-course");
const fromInput = document.getElementById("report-from");
const toInput = document.getElementById("report-to");
const csvLink = document.getElementById("report-csv");
const problems = document.getElementById("report-problems");
const section = document.getElementById("report");
const title = document.getElementById("report-title");
const summary = document.getElementById("report-summary");
const table = document.getElementById("report-table");
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
document.getElementById("report-zone").textContent = zone;

// A day as the date input holds it (YYYY-MM-DD), in the browser's own calendar.
function dayOf(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

function words(student) {
  return PARTS.map(([key, word]) => `${student[key]} ${word}`).join(", ");
}

// A stacked bar of the student's sessions, each status its share of the width; the words
// say the same for a screen reader and as a tooltip.
function bar(student) {
  const width = 160;
  const height = 16;
  const label = `${student.display_name}: ${words(student)}`;
  const chart = svg(
    "svg",
    { class: "report-bar", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label },
    svg("title", {}, label),
    svg("rect", { class: "bar-track", x: 0, y: 0, width, height, rx: 3 }),
  );
  let x = 0;
  for (const [key] of PARTS) {
    if (!student.sessions || !student[key]) continue;
    const share = (width * student[key]) / student.sessions;
    chart.append(svg("rect", { class: `bar-${key}`, x, y: 0, width: share, height }));
    x += share;
  }
  return chart;
}

function rate(student) {
  if (student.rate === null || student.rate === undefined) return "—";
  return `${Math.round(student.rate * 100)} %`;
}

function name(student) {
  return student.on_roster
    ? student.display_name
    : el("span", {}, student.display_name, el("span", { class: "off-roster" }, "no longer on the roster"));
}

function render(report) {
  const { course, students } = report;
  title.textContent = `${course.name} (${course.code}), ${report.first_day} to ${report.last_day}`;
  summary.textContent =
    `${count(report.sessions, "session", "sessions")} counted, ` +
    `${count(students.length, "student", "students")}, days in ${report.timezone}.`;
  const grid = dataTable(
    `Attendance of ${course.code}`,
    ["Student", "Student number", "Chart", "Present", "Late", "Absent", "Excused", "Not yet marked", "Rate"],
    students.map((student) => [
      name(student),
      student.external_id,
      bar(student),
      String(student.present),
      String(student.late),
      String(student.absent),
      String(student.excused),
      String(student.unseen),
      el("span", { class: "report-rate" }, rate(student)),
    ]),
    "Nobody is on this course’s roster.",
  );
  grid.classList.add("report-table");
  table.replaceChildren(grid);
  section.hidden = false;
}

async function show(button) {
  const params = new URLSearchParams({
    from: fromInput.value,
    to: toInput.value,
    timezone: zone,
  });
  const courseId = courseSelect.value;
  try {
    clear(problems);
    const report = await whileBusy(button, () =>
      api("GET", `/api/courses/${encodeURIComponent(courseId)}/report?${params}`),
    );
    render(report);
    csvLink.href = `/api/courses/${encodeURIComponent(courseId)}/report.csv?${params}`;
    csvLink.hidden = false;
    title.focus();
  } catch (error) {
    section.hidden = true;
    csvLink.hidden = true;
    showError(problems, error);
  }
}

async function start() {
  const today = new Date();
  const first = new Date(today);
  first.setDate(first.getDate() - (DEFAULT_DAYS - 1));
  fromInput.value = dayOf(first);
  toInput.value = dayOf(today);
  try {
    const courses = await listAll("/api/courses");
    courseSelect.replaceChildren(
      ...courses.map((course) => el("option", { value: course.id }, `${course.name} (${course.code})`)),
    );
    if (!courses.length) {
      showError(problems, new Error("There are no courses yet."));
      form.querySelector("button[type=submit]").disabled = true;
    }
  } catch (error) {
    showError(problems, error);
  }
}

onSubmit(form, show);
for (const input of [courseSelect, fromInput, toInput]) {
  input.addEventListener("change", () => {
    csvLink.hidden = true; // the link would download another report than the one asked
  });
}

await startPage();
await start();
