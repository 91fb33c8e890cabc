// When the webcam cannot start: what the browser's error means, in words a teacher or admin
// can act on, instead of its own message ("Requested device not found"). The rest of the
// page stays as it is: the menu, the camera picker and the enrolment search do not need it.

import { el } from "./dom.js";
import { icon } from "./icons.js";

// getUserMedia's errors by name (https is not needed on localhost; elsewhere the browser
// offers no mediaDevices at all)
const PROBLEMS = {
  NotFoundError: {
    title: "No webcam found on this device",
    todo: "Plug in a webcam (or open this page on a laptop that has one), then choose Try again.",
  },
  OverconstrainedError: {
    title: "No webcam found on this device",
    todo: "Plug in a webcam (or open this page on a laptop that has one), then choose Try again.",
  },
  NotAllowedError: {
    title: "This page may not use the webcam",
    todo: "Allow the camera for this site (the camera sign in the browser’s address bar, or its site settings), then choose Try again.",
  },
  NotReadableError: {
    title: "The webcam is busy",
    todo: "Close the other program using it (a video call, say), then choose Try again.",
  },
  SecurityError: {
    title: "This browser keeps the webcam from this page",
    todo: "Open the page over HTTPS, or on this computer as localhost, then choose Try again.",
  },
};

export function webcamProblem(error) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return PROBLEMS.SecurityError;
  return (
    PROBLEMS[error && error.name] || {
      title: "The webcam could not start",
      todo: `The browser said: ${(error && error.message) || String(error)}. Choose Try again, or reload the page.`,
    }
  );
}

// The box shown above the preview; onRetry() asks for the webcam again.
export function renderWebcamProblem(container, error, onRetry) {
  const problem = webcamProblem(error);
  const retry = el("button", { type: "button", class: "secondary", onclick: onRetry }, "Try again");
  container.replaceChildren(
    el(
      "div",
      { class: "webcam-problem", role: "alert" },
      icon("cameraOff", "icon webcam-problem-icon"),
      el(
        "div",
        { class: "webcam-problem-words" },
        el("p", { class: "webcam-problem-title" }, problem.title),
        el("p", {}, problem.todo),
      ),
      retry,
    ),
  );
  return problem;
}
