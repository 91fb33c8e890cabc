// Enrolment from the camera (admins only): find the person, take a snapshot of the preview
// as a JPEG and send it; the service answers with the templates made or why the snapshot is
// refused (no face, several faces, too blurry or small...).

import { api } from "./api.js";
import { el, showError, showNotice } from "./dom.js";

const JPEG_QUALITY = 0.92;

function snapshotOf(video) {
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("the preview has no picture yet"))),
      "image/jpeg",
      JPEG_QUALITY,
    );
  });
}

export class Enrolment {
  constructor(section, video) {
    this.section = section;
    this.video = video;
    this.search = section.querySelector("#person-search");
    this.choice = section.querySelector("#person-choice");
    this.button = section.querySelector("#take-snapshot");
    this.result = section.querySelector("#enrolment-result");
    this.image = section.querySelector("#snapshot");
    this.noWebcam = section.querySelector("#enrolment-no-webcam");
    this.imageUrl = null;
    this.webcam = false;
    this.search.addEventListener("submit", (event) => {
      event.preventDefault();
      this.find(this.search.q.value.trim());
    });
    this.choice.addEventListener("change", () => this.enable());
    this.button.addEventListener("click", () => this.enrol());
  }

  show() {
    this.section.hidden = false;
  }

  // A snapshot needs the webcam; finding the person does not.
  setWebcam(present) {
    this.webcam = present;
    this.noWebcam.hidden = present;
    this.enable();
  }

  enable() {
    this.button.disabled = !this.choice.value || !this.webcam;
  }

  async find(query) {
    if (!query) return;
    try {
      const page = await api("GET", `/api/people?q=${encodeURIComponent(query)}&limit=50`);
      const options = page.items.map((person) =>
        el("option", { value: person.id }, `${person.display_name} (${person.external_id})`),
      );
      const none = el("option", { value: "" }, options.length ? "Choose…" : "Nobody found");
      this.choice.replaceChildren(none, ...options);
      this.choice.disabled = options.length === 0;
      if (options.length === 1) this.choice.value = page.items[0].id;
      this.enable();
      if (options.length) this.choice.focus();
    } catch (error) {
      showError(this.result, error);
    }
  }

  async enrol() {
    const personId = this.choice.value;
    const name = this.choice.selectedOptions[0]?.textContent || "";
    if (!personId) return;
    this.button.disabled = true;
    try {
      const blob = await snapshotOf(this.video);
      this.showSnapshot(blob);
      const enrolled = await api("POST", `/api/people/${personId}/snapshot`, {
        raw: { body: blob, type: "image/jpeg" },
      });
      const count = Array.isArray(enrolled.templates) ? enrolled.templates.length : enrolled.templates;
      showNotice(this.result, `Enrolled ${name} from the snapshot (${count} new face template).`);
    } catch (error) {
      showError(this.result, error);
    } finally {
      this.enable();
    }
  }

  showSnapshot(blob) {
    if (this.imageUrl) URL.revokeObjectURL(this.imageUrl);
    this.imageUrl = URL.createObjectURL(blob);
    this.image.src = this.imageUrl;
    this.image.hidden = false;
  }
}
