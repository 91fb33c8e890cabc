// Rooms and cameras: add rooms and cameras, watch each camera's state, change or remove them.

import { api, listAll } from "./api.js";
import { startPage } from "./chrome.js";
import { onSubmit, whileBusy } from "./admin_common.js";
import { clear, el, showError, showNotice } from "./dom.js";
import { CameraForm } from "./admin_rooms_camera_form.js";
import { RoomsList } from "./admin_rooms_list.js";
import { CameraStatusWatch } from "./admin_rooms_status.js";
import { TokenPanel } from "./admin_rooms_token.js";

class RoomsPage {
  constructor() {
    this.rooms = [];
    this.cameras = new Map();
    this.status = document.getElementById("rooms-status");
    this.error = document.getElementById("rooms-error");
    this.tokenPanel = new TokenPanel(document.getElementById("camera-token"));
    const listRoot = document.getElementById("rooms");
    this.watch = new CameraStatusWatch(
      listRoot,
      (id) => this.cameras.get(id),
      (error) => this.statusTrouble(error),
    );
    this.list = new RoomsList(listRoot, {
      tokenPanel: this.tokenPanel,
      statusOf: (id) => this.watch.statusOf(id),
      onChanged: (done) => this.reload(done),
    });
    this.cameraForm = new CameraForm(document.getElementById("new-camera"), this.tokenPanel, () =>
      this.reload(),
    );
    this.wireRoomForm(document.getElementById("new-room"));
  }

  wireRoomForm(form) {
    const result = form.querySelector("#new-room-result");
    onSubmit(form, async (button) => {
      clear(result);
      const name = form.elements.name.value.trim();
      try {
        const room = await whileBusy(button, () => api("POST", "/api/rooms", { json: { name } }));
        form.elements.name.value = "";
        showNotice(result, `Room ${room.name} added.`);
        await this.reload();
      } catch (error) {
        showError(result, error);
      }
    });
  }

  async reload(done) {
    try {
      const [rooms, cameras] = await Promise.all([listAll("/api/rooms"), listAll("/api/cameras")]);
      this.rooms = rooms;
      this.cameras = new Map(cameras.map((camera) => [camera.id, camera]));
      clear(this.error);
      this.list.render(rooms, cameras);
      this.cameraForm.setRooms(rooms);
      if (done) showNotice(this.status, done);
    } catch (error) {
      showError(this.error, error);
    }
  }

  statusTrouble(error) {
    if (error) {
      this.error.replaceChildren(
        el(
          "p",
          { class: "error", role: "alert" },
          `Camera states could not be refreshed: ${error.message}`,
        ),
      );
    } else if (this.error.textContent.startsWith("Camera states")) {
      clear(this.error);
    }
  }

  async start() {
    await this.reload();
    this.watch.start();
  }
}

await startPage();
await new RoomsPage().start();
