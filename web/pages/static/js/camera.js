// The classroom camera page: whoever opened it (a camera signed in with its token, or an admin
// who picks a browser camera), the webcam's preview, the stream to the service with the faces
// it sees drawn over the preview, and for admins the enrolment of a student from a snapshot.
// Without a webcam the page stays whole (menu, picker, enrolment search) and says what to do.

import { api, listAll } from "./api.js";
import { startPage } from "./chrome.js";
import { el, showError } from "./dom.js";
import { Enrolment } from "./camera_enrolment.js";
import { FaceOverlay } from "./camera_overlay.js";
import { startPreview } from "./camera_preview.js";
import { CameraStream } from "./camera_stream.js";
import { renderWebcamProblem } from "./camera_webcam.js";

const CAMERA_PARAM = "camera";
const SIGN_IN = "/camera/sign-in";

const video = document.getElementById("preview");
const problems = document.getElementById("camera-problems");
const state = document.getElementById("stream-state");
const identity = document.getElementById("camera-identity");
const picker = document.getElementById("camera-picker");
const webcamBox = document.getElementById("webcam-problem");
const emptyPreview = document.getElementById("preview-empty");
const overlay = new FaceOverlay(
  video,
  document.getElementById("overlay"),
  document.getElementById("faces"),
  document.getElementById("faces-summary"),
);
let stream = null;
let media = null; // the webcam's stream, once it started
let chosenCamera = null; // what to stream as, once the webcam is there
let enrolment = null;

// An admin's user session first (the enrolment needs it), else the camera's own sign-in.
async function whoIsHere() {
  try {
    const user = await api("GET", "/api/auth/me", { signInOn401: false });
    if (user.role === "admin") return { user, camera: null };
  } catch (error) {
    if (error.status !== 401) throw error;
  }
  const { camera } = await api("GET", "/api/auth/camera", { signInOn401: false });
  return { user: null, camera };
}

function showState(name, detail = {}) {
  const words = {
    connecting: "Connecting to the service…",
    starting: "Connected: waiting for the service to receive the video…",
    live: "Live: streaming to the service",
    reconnecting: `Reconnecting in ${Math.round((detail.inMs || 0) / 1000)} s (${detail.reason})`,
    refused: "Not streaming: the service refused this camera",
    idle: "Not streaming: choose a camera",
    "no-webcam": "Not streaming: no webcam",
  };
  state.textContent = words[name] || name;
  state.className = `stream-state stream-${name}`;
  if (name === "refused") showError(problems, detail.error);
  if (name === "live") problems.replaceChildren();
}

function signedOut() {
  window.location.assign(`${SIGN_IN}?next=${encodeURIComponent("/camera")}`);
}

function streamTo(cameraId) {
  if (stream) stream.stop();
  stream = null;
  chosenCamera = cameraId || null;
  if (!media) {
    showState("no-webcam");
    return;
  }
  if (!cameraId) {
    showState("idle");
    return;
  }
  stream = new CameraStream(cameraId, media, {
    onState: showState,
    onFeedback: (message) => overlay.show(message),
    onSignedOut: signedOut,
  }).start();
}

// The webcam, asked for at the start and again on Try again; null while there is none.
async function openWebcam() {
  try {
    media = await startPreview(video);
  } catch (error) {
    media = null;
    renderWebcamProblem(webcamBox, error, retryWebcam);
  }
  emptyPreview.hidden = media !== null;
  if (media) webcamBox.replaceChildren();
  if (enrolment) enrolment.setWebcam(media !== null);
  return media;
}

async function retryWebcam() {
  if (await openWebcam()) streamTo(chosenCamera);
}

function asCamera(camera) {
  const room = camera.room_name ? ` in ${camera.room_name}` : " (no room yet)";
  identity.textContent = `Camera “${camera.name}”${room}`;
  const name = document.querySelector("[data-user-name]");
  if (name) name.textContent = `Camera: ${camera.name}`;
  // a camera's sign-in opens this page only: links to the others would lead to sign-in
  const menu = document.querySelector("header.top nav");
  if (menu) menu.hidden = true;
  const signOut = document.querySelector("[data-sign-out]");
  if (signOut) {
    signOut.addEventListener("click", async () => {
      if (stream) stream.stop();
      try {
        await api("POST", "/api/auth/camera/logout", { signInOn401: false });
      } finally {
        window.location.assign(SIGN_IN);
      }
    });
  }
  streamTo(camera.camera_id);
}

async function asAdmin() {
  await startPage();
  enrolment = new Enrolment(document.getElementById("enrolment"), video);
  enrolment.setWebcam(media !== null);
  enrolment.show();
  const cameras = (await listAll("/api/cameras")).filter((c) => c.kind === "webrtc" && c.enabled);
  picker.append(...cameras.map((camera) => el("option", { value: camera.id }, camera.name)));
  document.getElementById("camera-picker-box").hidden = false;
  identity.textContent = cameras.length
    ? "Signed in as an admin: stream as any browser camera (this replaces a page streaming it now)."
    : "No browser camera yet: add one under Rooms & cameras.";
  const asked = new URLSearchParams(window.location.search).get(CAMERA_PARAM) || "";
  picker.value = cameras.some((camera) => camera.id === asked) ? asked : "";
  picker.addEventListener("change", () => {
    const url = new URL(window.location.href);
    if (picker.value) url.searchParams.set(CAMERA_PARAM, picker.value);
    else url.searchParams.delete(CAMERA_PARAM);
    window.history.replaceState(null, "", url);
    streamTo(picker.value);
  });
  streamTo(picker.value);
}

async function main() {
  const { user, camera } = await whoIsHere();
  if (!user && !camera) {
    signedOut();
    return;
  }
  await openWebcam();
  if (user) await asAdmin();
  else asCamera(camera);
}

main().catch((error) => showError(problems, error));
