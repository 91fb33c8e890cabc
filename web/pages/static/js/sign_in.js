// Sign in, then go back to the page that asked (a local path only: never another site).

import { api } from "./api.js";
import { showError } from "./dom.js";

// The URL parser decides, as the browser's navigation will: "/\evil.example" starts with one
// slash yet leaves this site, as "//evil.example" and "javascript:..." would.
function nextPath() {
  const asked = new URLSearchParams(window.location.search).get("next") || "/board";
  let target;
  try {
    target = new URL(asked, window.location.origin);
  } catch {
    return "/board";
  }
  if (target.origin !== window.location.origin) return "/board";
  return target.pathname + target.search + target.hash;
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
