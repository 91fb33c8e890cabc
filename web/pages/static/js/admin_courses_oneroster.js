// The OneRoster import: a zip the service takes whole or not at all. What it changed is shown
// as a table; a refused bundle's problems are listed file by file and line by line, with the
// plain statement that nothing was changed.

import { api, ApiError } from "./api.js";
import { el, showError } from "./dom.js";
import { dataTable, onSubmit, whileBusy } from "./admin_common.js";

function where(problem) {
  const parts = [problem.file, problem.line === null ? null : `line ${problem.line}`];
  const found = parts.filter((part) => part !== null && part !== undefined);
  return found.length ? `${found.join(", ")}: ` : "";
}

function showRefusal(container, error) {
  const details = error.details || {};
  const rows = details.rows || [];
  const more = (details.problems || rows.length) - rows.length;
  container.replaceChildren(
    el(
      "div",
      { class: "error", role: "alert" },
      el("p", {}, el("strong", {}, "Nothing was changed. "), error.message),
      rows.length
        ? el("ul", { class: "refusals" }, rows.map((row) => el("li", {}, `${where(row)}${row.problem}`)))
        : null,
      more > 0 ? el("p", {}, `And ${more} more problem(s) not listed here.`) : null,
      error.requestId ? el("p", { class: "request-id" }, `Request id: ${error.requestId}`) : null,
    ),
  );
}

function showSummary(container, result) {
  const none = "–";
  container.replaceChildren(
    el(
      "div",
      { class: "notice", role: "status" },
      el("p", {}, "The bundle was imported."),
      dataTable(
        "What the import changed",
        ["Records", "Created or added", "Updated", "Deactivated or removed"],
        [
          ["Students", result.students_created, result.students_updated, result.students_deactivated],
          ["Teachers", result.teachers_created, result.teachers_updated, result.teachers_deactivated],
          ["Classes", result.classes_created, result.classes_updated, none],
          ["Enrollments", result.enrollments_added, none, result.enrollments_removed],
          ["Teaching", result.teaching_added, none, result.teaching_removed],
        ],
      ),
      result.teachers_created
        ? el("p", {}, "New teachers have no password yet: set one under Users before they sign in.")
        : null,
    ),
  );
}

export function setUpOneRosterImport(form, result, onImported) {
  onSubmit(form, async (button) => {
    const file = form.file.files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file, file.name);
    try {
      const answer = await whileBusy(button, () => api("POST", "/api/imports/oneroster", { form: body }));
      form.reset();
      showSummary(result, answer);
      await onImported();
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_bundle") {
        showRefusal(result, error);
      } else {
        showError(result, error);
      }
    }
  });
}

// The day's start in the browser's zone, as an instant the API takes (ISO 8601 with a zone).
function startOfDay(day, plusDays = 0) {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year, month - 1, date + plusDays).toISOString();
}

// A term of a bundle class's attendance: fetched (so a refusal is shown, not navigated to),
// then handed to the browser as a file.
export async function downloadTermExport(course, from, to, button) {
  const params = new URLSearchParams({ from: startOfDay(from), to: startOfDay(to, 1) });
  const text = await whileBusy(button, () =>
    api("GET", `/api/courses/${course.id}/attendance-oneroster.csv?${params}`),
  );
  const link = el("a", {
    href: URL.createObjectURL(new Blob([text], { type: "text/csv" })),
    download: `attendance-${course.code}-${from}-${to}.csv`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000); // once the download has read it
}
