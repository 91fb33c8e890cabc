// One course's roster: who is on it (each removable), people found by search to add, and a
// CSV import that the service takes whole or not at all: a refused file's rows are listed
// one by one, with the plain statement that the roster was left unchanged.

import { api, ApiError, listAll } from "./api.js";
import { clear, el, showError, showNotice } from "./dom.js";
import { count, dataTable, onSubmit, rowButton, whileBusy } from "./admin_common.js";
import { downloadTermExport } from "./admin_courses_oneroster.js";

const SEARCH_LIMIT = 20;

function importRefusal(container, error) {
  const rows = (error.details && error.details.rows) || [];
  container.replaceChildren(
    el(
      "div",
      { class: "error", role: "alert" },
      el("p", {}, el("strong", {}, "The roster was not changed. "), error.message),
      rows.length
        ? el(
            "ul",
            { class: "refusals" },
            rows.map((row) =>
              el("li", {}, row.line === null ? row.problem : `Line ${row.line}: ${row.problem}`),
            ),
          )
        : null,
      error.requestId ? el("p", { class: "request-id" }, `Request id: ${error.requestId}`) : null,
    ),
  );
}

export class RosterPanel {
  constructor(section) {
    this.section = section;
    this.title = section.querySelector("#roster-title");
    this.problems = section.querySelector("#roster-problems");
    this.list = section.querySelector("#roster-list");
    this.searchForm = section.querySelector("#roster-search-form");
    this.candidates = section.querySelector("#roster-candidates");
    this.importForm = section.querySelector("#roster-import-form");
    this.importResult = section.querySelector("#roster-import-result");
    this.source = section.querySelector("#roster-source");
    this.exportPart = section.querySelector("#roster-export");
    this.exportForm = section.querySelector("#roster-export-form");
    this.exportResult = section.querySelector("#roster-export-result");
    this.course = null;
    this.members = [];
    onSubmit(this.searchForm, () => this.findCandidates());
    onSubmit(this.importForm, (button) => this.importCsv(button));
    onSubmit(this.exportForm, (button) => this.exportTerm(button));
  }

  async open(course) {
    this.course = course;
    this.title.textContent = `Roster of ${course.code}: ${course.name}`;
    for (const part of [this.problems, this.candidates, this.importResult, this.exportResult]) {
      clear(part);
    }
    this.searchForm.reset();
    this.importForm.reset();
    this.exportForm.reset();
    this.exportPart.hidden = !course.external_id;
    this.section.hidden = false;
    await Promise.all([this.reload(), this.showSource()]);
    this.title.focus();
  }

  // A class from the school's system says so, with who teaches it: its roster follows the
  // next bundle, so changes made here last only until then.
  async showSource() {
    if (!this.course.external_id) {
      this.source.textContent = "Added here: its roster is changed only here.";
      return;
    }
    try {
      const teachers = (await api("GET", `/api/courses/${this.course.id}/teachers`)).items;
      const names = teachers.map((teacher) => teacher.display_name || teacher.username);
      this.source.textContent =
        `From the school's system (OneRoster class ${this.course.external_id}): the next bundle ` +
        `sets its roster. Taught by ${names.length ? names.join(", ") : "nobody named"}.`;
    } catch (error) {
      showError(this.problems, error);
    }
  }

  async exportTerm(button) {
    const from = this.exportForm.from.value;
    const to = this.exportForm.to.value;
    if (to < from) {
      showError(this.exportResult, new Error("The last day comes before the first."));
      return;
    }
    try {
      clear(this.exportResult);
      await downloadTermExport(this.course, from, to, button);
      showNotice(this.exportResult, `The attendance from ${from} to ${to} was downloaded.`);
    } catch (error) {
      showError(this.exportResult, error);
    }
  }

  async reload() {
    try {
      this.members = await listAll(`/api/courses/${this.course.id}/roster`);
      this.list.replaceChildren(
        el("p", { role: "status", class: "muted" }, `${count(this.members.length, "person", "people")} on the roster.`),
        dataTable(
          `People on the roster of ${this.course.code}`,
          ["Name", "Student number", "Actions"],
          this.members.map((person) => [
            person.display_name,
            person.external_id,
            rowButton("Remove", person.display_name, (event) => this.remove(person, event.currentTarget)),
          ]),
          "Nobody is on this roster yet.",
        ),
      );
    } catch (error) {
      showError(this.problems, error);
    }
  }

  async remove(person, button) {
    try {
      clear(this.problems);
      await whileBusy(button, () =>
        api("DELETE", `/api/courses/${this.course.id}/roster/${person.id}`),
      );
      showNotice(this.problems, `${person.display_name} was taken off the roster.`);
      await this.reload();
      this.title.focus(); // the row and its button are gone
    } catch (error) {
      showError(this.problems, error);
    }
  }

  async findCandidates() {
    const query = this.searchForm.q.value.trim();
    try {
      const params = new URLSearchParams({ q: query, limit: String(SEARCH_LIMIT) });
      const page = await api("GET", `/api/people?${params}`);
      const onRoster = new Set(this.members.map((person) => person.id));
      this.candidates.replaceChildren(
        el("p", { role: "status", class: "muted" }, `${count(page.items.length, "person", "people")} found.`),
        dataTable(
          "People found",
          ["Name", "Student number", "Actions"],
          page.items.map((person) => [
            person.display_name,
            person.external_id,
            onRoster.has(person.id)
              ? "On the roster"
              : rowButton("Add", person.display_name, (event) => this.add(person, event.currentTarget), ""),
          ]),
          "Nobody matches.",
        ),
      );
    } catch (error) {
      showError(this.candidates, error);
    }
  }

  async add(person, button) {
    try {
      await whileBusy(button, () =>
        api("POST", `/api/courses/${this.course.id}/roster`, { json: { person_ids: [person.id] } }),
      );
      button.replaceWith(el("span", {}, "On the roster"));
      showNotice(this.problems, `${person.display_name} was added to the roster.`);
      await this.reload();
    } catch (error) {
      showError(this.problems, error);
    }
  }

  async importCsv(button) {
    const file = this.importForm.file.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const result = await whileBusy(button, () =>
        api("POST", `/api/courses/${this.course.id}/roster/import`, { form }),
      );
      this.importForm.reset();
      showNotice(
        this.importResult,
        `Imported ${result.rows} row(s): ${result.added} added, ${result.already_enrolled} already on the roster.`,
      );
      await this.reload();
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_roster") {
        importRefusal(this.importResult, error);
      } else {
        showError(this.importResult, error);
      }
    }
  }
}
