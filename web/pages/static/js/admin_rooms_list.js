// Every room with its cameras, and what an admin does to them: rename or delete a room;
// enable, disable, rename, move, re-token or delete a camera. After each change the page
// reloads the list from the service (`onChanged`), so what is shown is what is stored.

import { api } from "./api.js";
import { clear, el, showError } from "./dom.js";
import { confirmStep, rowButton, whileBusy } from "./admin_common.js";
import { fillRoomChoices } from "./admin_rooms_camera_form.js";
import { stateCell } from "./admin_rooms_status.js";

const KIND_WORDS = { rtsp: "Network camera", webrtc: "Browser camera", file: "Video file" };

// A row's button: a short verb shown, the thing it acts on in its accessible name too
// ("Disable Ceiling"); `action(button)` runs on a click.
function actionButton(verb, subject, action, kind = "secondary") {
  return rowButton(verb, subject, (event) => action(event.currentTarget), kind);
}

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
      this.roomSection(
        room,
        cameras.filter((camera) => camera.room_id === room.id),
      ),
    );
    const roomless = cameras.filter((camera) => !rooms.some((room) => room.id === camera.room_id));
    if (roomless.length) sections.push(this.roomSection(null, roomless));
    if (!sections.length)
      sections.push(el("p", { class: "muted" }, "No rooms yet: add one above."));
    this.root.replaceChildren(...sections);
  }

  roomSection(room, cameras) {
    const title = room ? room.name : "Cameras without a room";
    const headingId = `room-${room ? room.id : "none"}`;
    const feedback = el("div", { class: "room-feedback", "aria-live": "polite" });
    const columns = ["Camera", "Address", "State", "Actions"];
    const table = cameras.length
      ? el(
          "div",
          { class: "table-scroll" },
          el(
            "table",
            { class: "cameras" },
            el("caption", { class: "visually-hidden" }, `Cameras in ${title}`),
            el(
              "thead",
              {},
              el(
                "tr",
                {},
                columns.map((name) => el("th", { scope: "col" }, name)),
              ),
            ),
            el(
              "tbody",
              {},
              cameras.flatMap((camera) => this.cameraRows(camera, feedback)),
            ),
          ),
        )
      : el("p", { class: "muted" }, "No cameras in this room.");
    return el(
      "section",
      { class: "room panel", "aria-labelledby": headingId },
      el(
        "div",
        { class: "room-head" },
        el("h3", { id: headingId, tabindex: "-1" }, title),
        room ? this.roomActions(room, feedback) : null,
      ),
      feedback,
      table,
    );
  }

  roomActions(room, feedback) {
    const nameId = `room-name-${room.id}`;
    const name = el("input", { id: nameId, value: room.name, required: true, maxlength: 200 });
    const rename = el(
      "form",
      { class: "inline-edit", hidden: true },
      el("div", {}, el("label", { for: nameId }, `New name for ${room.name}`), name),
      el("button", { type: "submit" }, "Save"),
      el(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            rename.hidden = true;
            opener.focus(); // the focused Cancel has just been hidden
          },
        },
        "Cancel",
      ),
    );
    rename.addEventListener("submit", (event) => {
      event.preventDefault();
      const newName = name.value.trim();
      this.change(
        feedback,
        event.submitter,
        () => api("PATCH", `/api/rooms/${room.id}`, { json: { name: newName } }),
        `Room renamed to ${newName}.`,
      );
    });
    const remove = async (button) => {
      const confirmed = await confirmStep({
        title: `Delete room ${room.name}?`,
        message: "Its cameras stay, without a room. A room with class sessions cannot be deleted.",
        confirmLabel: "Delete room",
        returnFocus: button,
      });
      if (confirmed) {
        await this.change(
          feedback,
          button,
          () => api("DELETE", `/api/rooms/${room.id}`),
          `Room ${room.name} deleted.`,
        );
      }
    };
    const opener = actionButton("Rename room", room.name, () => {
      rename.hidden = false;
      name.focus();
    });
    return el(
      "div",
      { class: "room-actions" },
      opener,
      actionButton("Delete room", room.name, remove, "danger"),
      rename,
    );
  }

  cameraRows(camera, feedback) {
    const editorRow = el(
      "tr",
      { class: "camera-editor", hidden: true, dataset: { editorOf: camera.id } },
      el("td", { colspan: 4 }, this.cameraEditor(camera, feedback)),
    );
    const toggleEditor = (button) => {
      editorRow.hidden = !editorRow.hidden;
      button.setAttribute("aria-expanded", String(!editorRow.hidden));
    };
    const editButton = actionButton("Edit", camera.name, toggleEditor);
    editButton.setAttribute("aria-expanded", "false");
    const patch = (change, done) => (button) =>
      this.change(
        feedback,
        button,
        () => api("PATCH", `/api/cameras/${camera.id}`, { json: change }),
        done,
      );
    const actions = [
      camera.enabled
        ? el(
            "a",
            {
              class: "button secondary",
              href: `/live?camera=${encodeURIComponent(camera.id)}`,
              "aria-label": `Live view of ${camera.name}`,
            },
            "Live view",
          )
        : null,
      camera.enabled
        ? actionButton(
            "Disable",
            camera.name,
            patch({ enabled: false }, `${camera.name} disabled.`),
          )
        : actionButton("Enable", camera.name, patch({ enabled: true }, `${camera.name} enabled.`)),
      editButton,
      camera.kind === "webrtc"
        ? actionButton("New token", `for ${camera.name}`, (button) =>
            this.rotateToken(camera, feedback, button),
          )
        : null,
      actionButton(
        "Delete",
        camera.name,
        (button) => this.deleteCamera(camera, feedback, button),
        "danger",
      ),
    ];
    const row = el(
      "tr",
      { dataset: { cameraId: camera.id } },
      el(
        "th",
        { scope: "row" },
        el("span", { class: "camera-name" }, camera.name),
        el("span", { class: "camera-kind muted" }, KIND_WORDS[camera.kind] || camera.kind),
      ),
      el("td", { class: "camera-address" }, camera.url || "(publishes from a browser)"),
      el(
        "td",
        { class: "camera-state-cell", dataset: { stateOf: camera.id } },
        stateCell(camera, this.statusOf(camera.id)),
      ),
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
      el("div", {}, el("label", { for: nameId }, `Name of ${camera.name}`), name),
      el("div", {}, el("label", { for: roomId }, `Room of ${camera.name}`), room),
      el("button", { type: "submit" }, "Save"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const change = {};
      if (name.value.trim() !== camera.name) change.name = name.value.trim();
      if ((room.value || null) !== camera.room_id) change.room_id = room.value || null;
      if (!Object.keys(change).length) return;
      this.change(
        feedback,
        event.submitter,
        () => api("PATCH", `/api/cameras/${camera.id}`, { json: change }),
        `${camera.name} changed.`,
      );
    });
    return form;
  }

  async rotateToken(camera, feedback, button) {
    const confirmed = await confirmStep({
      title: `Give ${camera.name} a new token?`,
      message:
        "The old token stops working at once: the laptop using it stops sending until it" +
        " signs in with the new one.",
      confirmLabel: "Give a new token",
      returnFocus: button,
    });
    if (!confirmed) return;
    clear(feedback);
    try {
      const answer = await whileBusy(button, () => api("POST", `/api/cameras/${camera.id}/token`));
      this.tokenPanel.show(camera.name, answer.access_token);
    } catch (error) {
      showError(feedback, error);
    }
  }

  async deleteCamera(camera, feedback, button) {
    const confirmed = await confirmStep({
      title: `Delete camera ${camera.name}?`,
      message: "The attendance it recorded stays.",
      confirmLabel: "Delete camera",
      returnFocus: button,
    });
    if (confirmed) {
      await this.change(
        feedback,
        button,
        () => api("DELETE", `/api/cameras/${camera.id}`),
        `Camera ${camera.name} deleted.`,
      );
    }
  }

  // One change through the API, its button held while it runs: the list reloads when it
  // lands (`done` is announced), a refusal shows in the room it concerns.
  async change(feedback, button, request, done) {
    clear(feedback);
    try {
      await whileBusy(button, request);
    } catch (error) {
      showError(feedback, error);
      return;
    }
    const place = placeOf(button);
    await this.onChanged(done);
    this.focus(place);
  }

  // Keyboard focus back where it was: the list was drawn afresh, the pressed button with it.
  focus(place) {
    const row = place.cameraId
      ? this.root.querySelector(`tr[data-camera-id="${place.cameraId}"]`)
      : null;
    const button = row
      ? place.editor
        ? row.querySelector("[aria-expanded]")
        : row.querySelectorAll("button")[place.index]
      : null;
    const heading = place.headingId ? document.getElementById(place.headingId) : null;
    const target = button || heading || this.root.querySelector("h3");
    if (target) target.focus();
  }
}

// Where a pressed button was, in terms that outlive the list: its camera's row and its place
// there (an editor's Save stands for the camera's Edit button), and its room's heading.
function placeOf(button) {
  const row = button.closest("tr");
  const room = button.closest("section.room");
  return {
    cameraId: row ? row.dataset.cameraId || row.dataset.editorOf : null,
    editor: Boolean(row && row.dataset.editorOf),
    index: row ? [...row.querySelectorAll("button")].indexOf(button) : -1,
    headingId: room ? room.getAttribute("aria-labelledby") : null,
  };
}
