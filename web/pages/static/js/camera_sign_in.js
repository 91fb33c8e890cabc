// A classroom camera signs in with its token: the service answers with an HttpOnly cookie,
// so the token leaves this page's memory at once and no script can read it back.

import { api } from "./api.js";
import { showError } from "./dom.js";

const form = document.getElementById("camera-sign-in-form");
const problems = document.getElementById("camera-sign-in-problems");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await api("POST", "/api/auth/camera", {
      json: { token: form.token.value },
      signInOn401: false,
    });
    form.token.value = "";
    window.location.assign("/camera");
  } catch (error) {
    showError(problems, error);
    form.token.value = "";
    form.token.focus();
  } finally {
    button.disabled = false;
  }
});
