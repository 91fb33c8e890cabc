// Users: the list with each user's role and status, adding one, setting a password, and
// deactivating (after a confirm step; the service refuses to deactivate the last admin and
// its message is shown as it gives it).

import { api, listAll } from "./api.js";
import { startPage } from "./chrome.js";
import { clear, el, showError, showNotice } from "./dom.js";
import { confirmStep, dataTable, onSubmit, rowButton, whileBusy } from "./admin_common.js";

const ROLES = { admin: "Admin", teacher: "Teacher" };

const status = document.getElementById("users-status");
const usersTitle = document.getElementById("users-title");
const problems = document.getElementById("users-problems");
const list = document.getElementById("users-list");
const passwordPanel = document.getElementById("password-panel");
const passwordTitle = document.getElementById("password-title");
const passwordForm = document.getElementById("password-form");
const passwordProblems = document.getElementById("password-problems");
const addForm = document.getElementById("add-user-form");
const addProblems = document.getElementById("add-user-problems");

let me = null;
let passwordFor = null; // the user whose password the panel sets

function actions(user) {
  const name = user.display_name || user.username;
  return el(
    "div",
    { class: "actions" },
    rowButton("Set password", name, () => openPassword(user)),
    rowButton(user.role === "admin" ? "Make teacher" : "Make admin", name, (event) =>
      change(user, { role: user.role === "admin" ? "teacher" : "admin" }, event.currentTarget),
    ),
    user.active
      ? rowButton("Deactivate", name, (event) => deactivate(user, event.currentTarget), "danger")
      : rowButton("Reactivate", name, (event) =>
          change(user, { active: true }, event.currentTarget),
        ),
  );
}

// A role change or a reactivation: the service refuses to take away the last admin.
async function change(user, fields, button) {
  try {
    clear(problems);
    const changed = await whileBusy(button, () =>
      api("PATCH", `/api/users/${user.id}`, { json: fields }),
    );
    const role = (ROLES[changed.role] || changed.role).toLowerCase();
    showNotice(
      status,
      fields.active ? `${changed.username} can sign in again.` : `${changed.username} is now ${role}.`,
    );
    if (user.id === me.id && changed.role !== "admin") {
      window.location.assign("/board"); // the admin pages are no longer theirs
      return;
    }
    await showUsers();
    usersTitle.focus();
  } catch (error) {
    showError(problems, error);
  }
}

async function showUsers() {
  const users = await listAll("/api/users");
  list.replaceChildren(
    dataTable(
      "Users",
      ["Username", "Display name", "Role", "Status", "Actions"],
      users.map((user) => [
        user.id === me.id ? `${user.username} (you)` : user.username,
        user.display_name,
        el("span", { class: "role-badge" }, ROLES[user.role] || user.role),
        user.active ? "Active" : el("span", { class: "inactive" }, "Deactivated"),
        actions(user),
      ]),
    ),
  );
}

async function deactivate(user, button) {
  const name = user.display_name || user.username;
  const confirmed = await confirmStep({
    title: `Deactivate ${name}?`,
    message: `${user.username} can no longer sign in, and every session they have open ends now.`,
    confirmLabel: "Deactivate",
    returnFocus: button,
  });
  if (!confirmed) return;
  try {
    clear(problems);
    await whileBusy(button, () => api("POST", `/api/users/${user.id}/deactivate`));
    showNotice(status, `${user.username} was deactivated.`);
    if (user.id === me.id) {
      window.location.assign("/sign-in"); // their own session has just ended
      return;
    }
    await showUsers();
    usersTitle.focus(); // the button that was pressed is gone with its row
  } catch (error) {
    showError(problems, error);
  }
}

function openPassword(user) {
  passwordFor = user;
  passwordTitle.textContent = `New password for ${user.username}`;
  passwordForm.reset();
  clear(passwordProblems);
  passwordPanel.hidden = false;
  passwordForm.elements.namedItem("password").focus();
}

function closePassword() {
  passwordPanel.hidden = true;
  passwordFor = null;
  usersTitle.focus();
}

async function setPassword(button) {
  const user = passwordFor;
  const password = passwordForm.elements.namedItem("password").value;
  try {
    await whileBusy(button, () =>
      api("PUT", `/api/users/${user.id}/password`, { json: { password } }),
    );
    if (user.id === me.id) {
      window.location.assign("/sign-in"); // setting one's own password ends one's own session
      return;
    }
    showNotice(status, `${user.username}'s password was set; their open sessions have ended.`);
    closePassword();
  } catch (error) {
    showError(passwordProblems, error);
  }
}

async function addUser(button) {
  const fields = addForm.elements;
  const body = {
    username: fields.namedItem("username").value.trim(),
    display_name: fields.namedItem("display_name").value.trim(),
    role: fields.namedItem("role").value,
    password: fields.namedItem("password").value,
  };
  try {
    clear(addProblems);
    const user = await whileBusy(button, () => api("POST", "/api/users", { json: body }));
    addForm.reset();
    showNotice(status, `${user.username} was added as ${(ROLES[user.role] || user.role).toLowerCase()}.`);
    await showUsers();
  } catch (error) {
    showError(addProblems, error);
  }
}

onSubmit(passwordForm, setPassword);
onSubmit(addForm, addUser);
document.getElementById("password-cancel").addEventListener("click", closePassword);

me = await startPage();
try {
  await showUsers();
} catch (error) {
  showError(problems, error);
}
