// The live view page: pick a camera (or come with ?camera=<id> from the board or the rooms
// page) and see its analysed frames with the faces the service finds drawn over them, names
// or "unknown" / "checking…". Admins may watch any camera; teachers a camera whose room has a
// class session now (the service refuses the others, and the page says why).

import { api, listAll } from "./api.js";
import { startPage } from "./chrome.js";
import { el, showError } from "./dom.js";
import { FaceOverlay } from "./camera_overlay.js";
import { LiveViewStream } from "./live_view_stream.js";

const CAMERA_PARAM = "camera";
const STALE_MS = 3000; // a frame older than this is shown faded

const picker = document.getElementById("live-camera");
const state = document.getElementById("live-state");
const problems = document.getElementById("live-problems");
const view = document.getElementById("live-view");
const frame = document.getElementById("live-frame");
const overlay = new FaceOverlay(
  frame,
  document.getElementById("live-boxes"),
  document.getElementById("live-faces"),
  document.getElementById("live-faces-summary"),
);
let stream = null;
let staleTimer = null;
let drawing = false;
let waiting = null; // the newest preview that came while the last one was being drawn

function showState(name, detail = {}) {
  const words = {
    idle: "Choose a camera to watch it.",
    connecting: "Connecting…",
    live: "Live",
    waiting: `Not live: trying again in ${Math.round((detail.inMs || 0) / 1000)} s`,
  };
  state.textContent = words[name] || name;
  state.className = `stream-state stream-${name === "waiting" ? "reconnecting" : name}`;
  if (name === "waiting" && detail.error) showError(problems, detail.error);
  if (name === "live") problems.replaceChildren();
}

async function draw(preview) {
  const bytes = Uint8Array.from(atob(preview.jpeg), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }));
  try {
    if (frame.width !== bitmap.width || frame.height !== bitmap.height) {
      frame.width = bitmap.width;
      frame.height = bitmap.height;
    }
    frame.getContext("2d").drawImage(bitmap, 0, 0);
  } finally {
    bitmap.close();
  }
  overlay.show(preview);
  frame.dataset.frames = String(Number(frame.dataset.frames || 0) + 1);
  frame.dataset.capturedAt = preview.captured_at;
  view.classList.remove("live-stale");
  clearTimeout(staleTimer);
  staleTimer = setTimeout(() => view.classList.add("live-stale"), STALE_MS);
}

// One frame drawn at a time; one that comes meanwhile waits, replaced by any newer one.
async function show(preview) {
  if (drawing) {
    waiting = preview;
    return;
  }
  drawing = true;
  try {
    let next = preview;
    while (next) {
      try {
        await draw(next);
      } catch {
        // a frame that cannot be decoded is skipped; the next one comes within a second
      }
      next = waiting;
      waiting = null;
    }
  } finally {
    drawing = false;
  }
}

function watch(cameraId) {
  if (stream) stream.stop();
  stream = null;
  problems.replaceChildren();
  const url = new URL(window.location.href);
  if (cameraId) url.searchParams.set(CAMERA_PARAM, cameraId);
  else url.searchParams.delete(CAMERA_PARAM);
  window.history.replaceState(null, "", url);
  view.hidden = !cameraId;
  if (!cameraId) {
    showState("idle");
    return;
  }
  delete frame.dataset.frames;
  frame.getContext("2d").clearRect(0, 0, frame.width, frame.height);
  overlay.show({ boxes: [], width: 0, height: 0 });
  stream = new LiveViewStream(cameraId, { onPreview: show, onState: showState }).start();
}

// Every enabled camera, grouped by room (a camera in no room last).
async function fillPicker(wanted) {
  const [rooms, statuses] = await Promise.all([
    listAll("/api/rooms"),
    api("GET", "/api/cameras/status"),
  ]);
  const cameras = statuses.items;
  const groups = rooms
    .map((room) => [room.name, cameras.filter((camera) => camera.room_id === room.id)])
    .filter(([, inRoom]) => inRoom.length);
  const roomless = cameras.filter((camera) => !rooms.some((room) => room.id === camera.room_id));
  if (roomless.length) groups.push(["In no room", roomless]);
  const option = (camera) =>
    el("option", { value: camera.camera_id, selected: camera.camera_id === wanted }, camera.name);
  picker.append(
    ...groups.map(([name, inRoom]) => el("optgroup", { label: name }, inRoom.map(option))),
  );
  if (!cameras.length) {
    picker.replaceChildren(el("option", { value: "" }, "No camera is enabled"));
    picker.disabled = true;
  }
  return cameras.some((camera) => camera.camera_id === wanted);
}

async function main() {
  await startPage();
  const wanted = new URLSearchParams(window.location.search).get(CAMERA_PARAM);
  let known = false;
  try {
    known = await fillPicker(wanted);
  } catch (error) {
    showError(problems, error);
  }
  picker.addEventListener("change", () => watch(picker.value));
  if (wanted && known) watch(wanted);
  else showState("idle");
}

main();
