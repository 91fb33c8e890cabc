// Sign in, then go back to the page that asked (a local path only: never another site).

import { api } from "./api.js";
import { showError } from "./dom.js";

function nextPath() {
  const next = new URLSearchParams(window.location.search).get("next") || "/board";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/board";
}

const form = document.getElementById("sign-in-form");
const problems = document.getElementById("sign-in-problems");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await api("POST", "/api/auth/login", {
      json: { username: form.username.value, password: form.password.value },
      signInOn401: false,
    });
    window.location.assign(nextPath());
  } catch (error) {
    showError(problems, error);
    form.password.value = "";
    form.password.focus();
  } finally {
    button.disabled = false;
  }
});
