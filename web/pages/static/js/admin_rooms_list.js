// Every room with its cameras, and what an admin does to them: rename or delete a room;
// enable, disable, rename, move, re-token or delete a camera. After each change the page
// reloads the list from the service (`onChanged`), so what is shown is what is stored.

import { api } from "./api.js";
import { clear, el, showError } from "./dom.js";
import { fillRoomChoices } from "./admin_rooms_camera_form.js";
import { stateCell } from "./admin_rooms_status.js";

const KIND_WORDS = { rtsp: "Network camera", webrtc: "Browser camera", file: "Video file" };

export class RoomsList {
  constructor(root, { tokenPanel, statusOf, onChanged }) {
    this.root = root;
    this.tokenPanel = tokenPanel;
    this.statusOf = statusOf;
    this.onChanged = onChanged;
    this.rooms = [];
  }

  render(rooms, cameras) {
    this.rooms = rooms;
    const sections = rooms.map((room) =>
      this.roomSection(room, cameras.filter((camera) => camera.room_id === room.id)),
    );
    const roomless = cameras.filter((camera) => !rooms.some((room) => room.id === camera.room_id));
    if (roomless.length) sections.push(this.roomSection(null, roomless));
    if (!sections.length) sections.push(el("p", { class: "muted" }, "No rooms yet: add one above."));
    this.root.replaceChildren(...sections);
  }

  roomSection(room, cameras) {
    const title = room ? room.name : "Cameras without a room";
    const headingId = `room-${room ? room.id : "none"}`;
    const feedback = el("div", { class: "room-feedback", "aria-live": "polite" });
    const table = cameras.length
      ? el(
          "table",
          { class: "cameras" },
          el("caption", { class: "visually-hidden" }, `Cameras in ${title}`),
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              ["Camera", "Address", "State", "Actions"].map((name) => el("th", { scope: "col" }, name)),
            ),
          ),
          el("tbody", {}, cameras.flatMap((camera) => this.cameraRows(camera, feedback))),
        )
      : el("p", { class: "muted" }, "No cameras in this room.");
    return el(
      "section",
      { class: "room panel", "aria-labelledby": headingId },
      el("div", { class: "room-head" }, el("h3", { id: headingId }, title), room ? this.roomActions(room, feedback) : null),
      feedback,
      table,
    );
  }

  roomActions(room, feedback) {
    const rename = el("form", { class: "inline-edit", hidden: true });
    const nameId = `room-name-${room.id}`;
    const name = el("input", { id: nameId, value: room.name, required: true, maxlength: 200 });
    rename.append(
      el("label", { for: nameId }, `New name for ${room.name}`),
      name,
      el("button", { type: "submit" }, "Save"),
      el("button", { type: "button", class: "secondary", onclick: () => { rename.hidden = true; } }, "Cancel"),
    );
    rename.addEventListener("submit", (event) => {
      event.preventDefault();
      this.change(feedback, () => api("PATCH", `/api/rooms/${room.id}`, { json: { name: name.value.trim() } }), `Room renamed to ${name.value.trim()}.`);
    });
    const remove = async () => {
      if (!window.confirm(`Delete room ${room.name}? Its cameras stay, without a room.`)) return;
      await this.change(feedback, () => api("DELETE", `/api/rooms/${room.id}`), `Room ${room.name} deleted.`);
    };
    return el(
      "div",
      { class: "room-actions" },
      el("button", { type: "button", class: "secondary", "aria-label": `Rename room ${room.name}`, onclick: () => { rename.hidden = false; name.focus(); } }, "Rename room"),
      el("button", { type: "button", class: "danger", "aria-label": `Delete room ${room.name}`, onclick: remove }, "Delete room"),
      rename,
    );
  }

  cameraRows(camera, feedback) {
    const editorRow = el("tr", { class: "camera-editor", hidden: true }, el("td", { colspan: 4 }, this.cameraEditor(camera, feedback)));
    const toggleEditor = (event) => {
      editorRow.hidden = !editorRow.hidden;
      event.currentTarget.setAttribute("aria-expanded", String(!editorRow.hidden));
    };
    const patch = (change, done) => this.change(feedback, () => api("PATCH", `/api/cameras/${camera.id}`, { json: change }), done);
    const actions = [
      camera.enabled
        ? el("button", { type: "button", class: "secondary", "aria-label": `Disable ${camera.name}`, onclick: () => patch({ enabled: false }, `${camera.name} disabled.`) }, "Disable")
        : el("button", { type: "button", class: "secondary", "aria-label": `Enable ${camera.name}`, onclick: () => patch({ enabled: true }, `${camera.name} enabled.`) }, "Enable"),
      el("button", { type: "button", class: "secondary", "aria-label": `Edit ${camera.name}`, "aria-expanded": "false", onclick: toggleEditor }, "Edit"),
      camera.kind === "webrtc"
        ? el("button", { type: "button", class: "secondary", "aria-label": `New token for ${camera.name}`, onclick: () => this.rotateToken(camera, feedback) }, "New token")
        : null,
      el("button", { type: "button", class: "danger", "aria-label": `Delete ${camera.name}`, onclick: () => this.deleteCamera(camera, feedback) }, "Delete"),
    ];
    const row = el(
      "tr",
      { dataset: { cameraId: camera.id } },
      el("th", { scope: "row" }, el("span", { class: "camera-name" }, camera.name), el("span", { class: "camera-kind muted" }, KIND_WORDS[camera.kind] || camera.kind)),
      el("td", { class: "camera-address" }, camera.url || "(publishes from a browser)"),
      el("td", { class: "camera-state-cell", dataset: { stateOf: camera.id } }, stateCell(camera, this.statusOf(camera.id))),
      el("td", {}, el("div", { class: "camera-actions" }, actions)),
    );
    return [row, editorRow];
  }

  cameraEditor(camera, feedback) {
    const nameId = `camera-name-${camera.id}`;
    const roomId = `camera-room-${camera.id}`;
    const name = el("input", { id: nameId, value: camera.name, required: true, maxlength: 200 });
    const room = el("select", { id: roomId });
    fillRoomChoices(room, this.rooms, { selected: camera.room_id });
    const form = el(
      "form",
      { class: "inline-edit" },
      el("div", { class: "row" },
        el("div", {}, el("label", { for: nameId }, `Name of ${camera.name}`), name),
        el("div", {}, el("label", { for: roomId }, `Room of ${camera.name}`), room),
        el("div", {}, el("button", { type: "submit" }, "Save")),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const change = {};
      if (name.value.trim() !== camera.name) change.name = name.value.trim();
      if ((room.value || null) !== camera.room_id) change.room_id = room.value || null;
      if (!Object.keys(change).length) return;
      this.change(feedback, () => api("PATCH", `/api/cameras/${camera.id}`, { json: change }), `${camera.name} changed.`);
    });
    return form;
  }

  async rotateToken(camera, feedback) {
    if (!window.confirm(`Give ${camera.name} a new token? The laptop using the old one stops sending.`)) return;
    clear(feedback);
    try {
      const answer = await api("POST", `/api/cameras/${camera.id}/token`);
      this.tokenPanel.show(camera.name, answer.access_token);
    } catch (error) {
      showError(feedback, error);
    }
  }

  async deleteCamera(camera, feedback) {
    if (!window.confirm(`Delete camera ${camera.name}? Attendance it recorded stays.`)) return;
    await this.change(feedback, () => api("DELETE", `/api/cameras/${camera.id}`), `Camera ${camera.name} deleted.`);
  }

  // One change through the API: the list reloads when it lands (`done` is announced), its
  // refusal shows in the room it concerns.
  async change(feedback, request, done) {
    clear(feedback);
    try {
      await request();
    } catch (error) {
      showError(feedback, error);
      return;
    }
    await this.onChanged(done);
  }
}
