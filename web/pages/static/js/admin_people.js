// People: search, add, enrol from photos (every refused photo said with its reason), record
// or withdraw their consent to face recognition (a withdrawal after a confirm step: it erases
// their face data), erase (after a confirm step), and bulk import from a CSV with photos.

import { api, ApiError } from "./api.js";
import { startPage } from "./chrome.js";
import { clear, el, formatDateTime, showError, showNotice } from "./dom.js";
import { PagedSearch, confirmStep, count, dataTable, onSubmit, rowButton, whileBusy } from "./admin_common.js";
import { showRefusals } from "./admin_people_refusals.js";

const status = document.getElementById("people-status");
const searchForm = document.getElementById("search-form");
const searchQuery = document.getElementById("search-query");
const searchProblems = document.getElementById("search-problems");
const personSection = document.getElementById("person");
const personTitle = document.getElementById("person-title");
const personFacts = document.getElementById("person-facts");
const enrolForm = document.getElementById("enrol-form");
const enrolPhotos = document.getElementById("enrol-photos");
const enrolResult = document.getElementById("enrol-result");
const recordConsentButton = document.getElementById("record-consent");
const withdrawConsentButton = document.getElementById("withdraw-consent");
const consentResult = document.getElementById("consent-result");
const eraseButton = document.getElementById("erase-person");
const eraseProblems = document.getElementById("erase-problems");
const addForm = document.getElementById("add-form");
const addProblems = document.getElementById("add-problems");
const importForm = document.getElementById("import-form");
const importResult = document.getElementById("import-result");

let current = null; // the person open in the detail panel

function peopleTable(people) {
  return dataTable(
    "People found",
    ["Name", "Student number", "Status", "Actions"],
    people.map((person) => [
      person.display_name,
      person.external_id,
      person.active ? "Active" : "Inactive",
      rowButton("Open", person.display_name, () => openPerson(person.id)),
    ]),
    "Nobody matches.",
  );
}

const results = new PagedSearch({
  path: "/api/people",
  container: document.getElementById("search-results"),
  problems: searchProblems,
  renderItems: peopleTable,
  describe: (count, first, last) =>
    count ? `Showing people ${first} to ${last}.` : "No people found.",
});

async function search() {
  try {
    clear(searchProblems);
    await results.search(searchQuery.value);
  } catch (error) {
    showError(searchProblems, error);
  }
}

function fact(term, value) {
  return [el("dt", {}, term), el("dd", {}, value)];
}

function showPerson(person) {
  current = person;
  personTitle.textContent = person.display_name;
  personFacts.replaceChildren(
    ...fact("Student number", person.external_id),
    ...fact("Status", person.active ? "Active (recognised by cameras)" : "Inactive (not recognised)"),
    ...fact("Consent to face recognition", person.consent_at ? formatDateTime(person.consent_at) : "Not recorded"),
    ...fact("Face templates", String(person.template_count)),
  );
  recordConsentButton.hidden = Boolean(person.consent_at);
  withdrawConsentButton.hidden = !person.consent_at;
  personSection.hidden = false;
}

async function openPerson(personId) {
  try {
    clear(enrolResult);
    clear(consentResult);
    clear(eraseProblems);
    showPerson(await api("GET", `/api/people/${personId}`));
    personTitle.focus();
  } catch (error) {
    showError(searchProblems, error);
  }
}

async function enrol(button) {
  const files = [...enrolPhotos.files];
  if (!files.length) {
    showError(enrolResult, new Error("Choose one or more photos first."));
    return;
  }
  const form = new FormData();
  for (const file of files) form.append("photo", file, file.name);
  try {
    showNotice(enrolResult, `Enrolling ${count(files.length, "photo", "photos")}…`);
    const answer = await whileBusy(button, () =>
      api("POST", `/api/people/${current.id}/photos`, { form }),
    );
    const person = await api("GET", `/api/people/${current.id}`);
    showPerson(person);
    enrolForm.reset();
    showNotice(
      enrolResult,
      `${count(answer.templates.length, "face template", "face templates")} added. ${person.display_name} now has ${person.template_count}.`,
    );
  } catch (error) {
    if (error instanceof ApiError && error.code === "photo_refused") {
      showRefusals(enrolResult, error);
    } else {
      showError(enrolResult, error);
    }
  }
}

async function recordConsent() {
  try {
    clear(consentResult);
    const person = await whileBusy(recordConsentButton, () =>
      api("POST", `/api/people/${current.id}/consent`, { json: {} }),
    );
    showPerson(person);
    showNotice(consentResult, `Consent recorded. ${person.display_name} may now be enrolled.`);
    withdrawConsentButton.focus();
  } catch (error) {
    showError(consentResult, error);
  }
}

async function withdrawConsent() {
  const person = current;
  const confirmed = await confirmStep({
    title: `Withdraw ${person.display_name}’s consent?`,
    message:
      "Their face templates are deleted at once and every camera stops recognising them. " +
      "They stay on their courses and are marked by hand.",
    confirmLabel: "Withdraw and erase face data",
    returnFocus: withdrawConsentButton,
  });
  if (!confirmed) return;
  try {
    clear(consentResult);
    const withdrawal = await whileBusy(withdrawConsentButton, () =>
      api("DELETE", `/api/people/${person.id}/consent`),
    );
    showPerson(await api("GET", `/api/people/${person.id}`));
    showNotice(
      consentResult,
      `Consent withdrawn: ${count(withdrawal.templates_deleted, "face template", "face templates")} erased everywhere.`,
    );
    recordConsentButton.focus();
  } catch (error) {
    showError(consentResult, error);
  }
}

async function erase() {
  const person = current;
  const confirmed = await confirmStep({
    title: `Erase ${person.display_name}?`,
    message:
      "Their face templates are deleted and every camera stops recognising them, everywhere. " +
      "This cannot be undone.",
    confirmLabel: "Erase for good",
    returnFocus: eraseButton,
  });
  if (!confirmed) return;
  try {
    const erasure = await whileBusy(eraseButton, () => api("DELETE", `/api/people/${person.id}`));
    current = null;
    personSection.hidden = true;
    showNotice(
      status,
      `${person.display_name} was erased: ${count(erasure.templates_deleted, "face template", "face templates")} removed everywhere.`,
    );
    // the panel that held focus is gone: back to the search, which no longer lists them
    searchQuery.focus();
    await results.reload();
  } catch (error) {
    showError(eraseProblems, error);
  }
}

async function addPerson(button) {
  const body = {
    display_name: addForm.display_name.value.trim(),
    external_id: addForm.external_id.value.trim(),
  };
  if (addForm.consent.checked) body.consent_at = new Date().toISOString();
  try {
    clear(addProblems);
    const person = await whileBusy(button, () => api("POST", "/api/people", { json: body }));
    addForm.reset();
    showNotice(status, `${person.display_name} was added. Enrol their photos below.`);
    showPerson(person);
    clear(enrolResult);
    personTitle.focus();
  } catch (error) {
    showError(addProblems, error);
  }
}

async function importPeople(button) {
  const form = new FormData();
  const csv = importForm.csv.files[0];
  if (!csv) {
    showError(importResult, new Error("Choose the CSV file first."));
    return;
  }
  form.append("csv", csv, csv.name);
  for (const photo of importForm.photos.files) form.append("photo", photo, photo.name);
  try {
    showNotice(importResult, "Checking every row…");
    const summary = await whileBusy(button, () => api("POST", "/api/people/import", { form }));
    importForm.reset();
    showNotice(
      importResult,
      `${count(summary.created, "person", "people")} imported with ${count(summary.templates, "face template", "face templates")}.`,
    );
  } catch (error) {
    if (error instanceof ApiError && error.code === "import_refused") {
      showRefusals(importResult, error);
    } else {
      showError(importResult, error);
    }
  }
}

onSubmit(searchForm, search);
onSubmit(enrolForm, enrol);
onSubmit(addForm, addPerson);
onSubmit(importForm, importPeople);
recordConsentButton.addEventListener("click", recordConsent);
withdrawConsentButton.addEventListener("click", withdrawConsent);
eraseButton.addEventListener("click", erase);

await startPage();
await search();
