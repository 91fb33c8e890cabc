// Courses: the list (each opens its roster, and turns face recognition off or on for its
// sessions), adding one, and the OneRoster import. The roster panel and the import are
// modules of their own.

import { api, listAll } from "./api.js";
import { startPage } from "./chrome.js";
import { clear, el, showError, showNotice } from "./dom.js";
import { dataTable, onSubmit, rowButton, whileBusy } from "./admin_common.js";
import { RosterPanel } from "./admin_courses_roster.js";
import { setUpOneRosterImport } from "./admin_courses_oneroster.js";

const status = document.getElementById("courses-status");
const problems = document.getElementById("courses-problems");
const list = document.getElementById("courses-list");
const addForm = document.getElementById("add-course-form");
const addProblems = document.getElementById("add-course-problems");
const roster = new RosterPanel(document.getElementById("roster"));

async function showCourses() {
  try {
    const courses = await listAll("/api/courses");
    list.replaceChildren(
      dataTable(
        "Courses",
        ["Code", "Name", "From", "Face recognition", "Roster"],
        courses.map((course) => [
          course.code,
          course.name,
          course.external_id ? "OneRoster" : "Added here",
          recognitionCell(course),
          rowButton("Open roster", course.code, () => roster.open(course)),
        ]),
        "No courses yet: add the first below.",
      ),
    );
  } catch (error) {
    showError(problems, error);
  }
}

function recognitionCell(course) {
  const on = course.recognition !== false;
  const button = rowButton(on ? "Turn off" : "Turn on", `face recognition for ${course.code}`, () =>
    setRecognition(course, !on, button),
  );
  button.dataset.recognitionOf = course.id;
  return el("span", { class: "recognition-cell" }, on ? "On " : "Off (marked by hand) ", button);
}

async function setRecognition(course, on, button) {
  try {
    clear(problems);
    const changed = await whileBusy(button, () =>
      api("PATCH", `/api/courses/${course.id}`, { json: { recognition: on } }),
    );
    showNotice(
      status,
      on
        ? `Face recognition is on for ${changed.code}.`
        : `Face recognition is off for ${changed.code}: its sessions are marked by hand.`,
    );
    await showCourses();
    // the list was drawn again: the keyboard stays on this course's (new) button
    list.querySelector(`[data-recognition-of="${course.id}"]`)?.focus();
  } catch (error) {
    showError(problems, error);
  }
}

async function addCourse(button) {
  const fields = addForm.elements;
  const body = {
    code: fields.namedItem("code").value.trim(),
    name: fields.namedItem("name").value.trim(),
    recognition: fields.namedItem("recognition").checked,
  };
  try {
    clear(addProblems);
    const course = await whileBusy(button, () => api("POST", "/api/courses", { json: body }));
    addForm.reset();
    showNotice(status, `Course ${course.code} was added.`);
    await showCourses();
    await roster.open(course);
  } catch (error) {
    showError(addProblems, error);
  }
}

onSubmit(addForm, addCourse);
setUpOneRosterImport(
  document.getElementById("oneroster-form"),
  document.getElementById("oneroster-result"),
  async () => {
    await showCourses();
    if (roster.course) await roster.open(roster.course);
  },
);

await startPage();
await showCourses();
