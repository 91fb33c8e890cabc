// The "Add a camera" form: a network camera by its address (credentials typed apart and put
// into the address here, so the admin never has to escape them by hand), or a browser camera,
// whose one-time token goes to the token panel. The service's refusal shows under the form.

import { api } from "./api.js";
import { onSubmit, whileBusy } from "./admin_common.js";
import { clear, el, showError, showNotice } from "./dom.js";

// rtsp://host/path + user + password -> rtsp://user:password@host/path, each part escaped.
export function addressWithCredentials(address, username, password) {
  if (!username && !password) return address;
  const start = address.indexOf("://");
  if (start < 0) return address; // the service says what is wrong with it
  const credentials =
    encodeURIComponent(username) + (password ? `:${encodeURIComponent(password)}` : "");
  return `${address.slice(0, start + 3)}${credentials}@${address.slice(start + 3)}`;
}

export function fillRoomChoices(select, rooms, { allowNone = true, selected = null } = {}) {
  const options = rooms.map((room) =>
    el("option", { value: room.id, selected: room.id === selected }, room.name),
  );
  if (allowNone)
    options.unshift(el("option", { value: "", selected: selected === null }, "No room"));
  select.replaceChildren(...options);
}

export class CameraForm {
  // onCreated(camera) after the service made it; tokenPanel shows a browser camera's token
  constructor(form, tokenPanel, onCreated) {
    this.form = form;
    this.tokenPanel = tokenPanel;
    this.onCreated = onCreated;
    this.result = form.querySelector("#new-camera-result");
    this.rtspFields = form.querySelector("#rtsp-fields");
    for (const radio of form.querySelectorAll("input[name=kind]")) {
      radio.addEventListener("change", () => this.showFieldsOfKind());
    }
    onSubmit(form, (button) => this.submit(button));
    this.showFieldsOfKind();
  }

  kind() {
    return this.form.querySelector("input[name=kind]:checked").value;
  }

  showFieldsOfKind() {
    const rtsp = this.kind() === "rtsp";
    this.rtspFields.hidden = !rtsp;
    this.form.elements.url.required = rtsp;
  }

  setRooms(rooms) {
    const select = this.form.elements.room_id;
    fillRoomChoices(select, rooms, { selected: select.value || null });
  }

  body() {
    const fields = this.form.elements;
    const body = {
      name: fields.name.value.trim(),
      kind: this.kind(),
      room_id: fields.room_id.value || null,
    };
    if (body.kind === "rtsp") {
      body.url = addressWithCredentials(
        fields.url.value.trim(),
        fields.username.value,
        fields.password.value,
      );
    }
    return body;
  }

  async submit(button) {
    clear(this.result);
    try {
      const camera = await whileBusy(button, () =>
        api("POST", "/api/cameras", { json: this.body() }),
      );
      for (const name of ["name", "url", "username", "password"])
        this.form.elements[name].value = "";
      showNotice(this.result, `Camera ${camera.name} added.`);
      if (camera.access_token) this.tokenPanel.show(camera.name, camera.access_token);
      await this.onCreated(camera);
    } catch (error) {
      showError(this.result, error);
    }
  }
}
