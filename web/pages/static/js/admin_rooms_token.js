// A browser camera's token, shown the one time the service gives it out (when the camera is
// made or its token rotated): the service keeps only a hash, so hiding the panel loses it.

import { clear, showNotice } from "./dom.js";

const CAMERA_SIGN_IN = "/camera/sign-in";

export class TokenPanel {
  constructor(root) {
    this.root = root;
    this.value = root.querySelector("#camera-token-value");
    this.camera = root.querySelector("#camera-token-camera");
    this.copied = root.querySelector("#camera-token-copied");
    const link = root.querySelector("#camera-sign-in-link");
    link.href = CAMERA_SIGN_IN;
    link.textContent = `${window.location.origin}${CAMERA_SIGN_IN}`;
    root.querySelector("#camera-token-copy").addEventListener("click", () => this.copy());
    root.querySelector("#camera-token-done").addEventListener("click", () => this.hide());
  }

  show(cameraName, token) {
    this.camera.textContent = cameraName;
    this.value.value = token;
    clear(this.copied);
    this.root.hidden = false;
    this.root.focus();
  }

  hide() {
    this.value.value = "";
    this.camera.textContent = "";
    clear(this.copied);
    this.root.hidden = true;
  }

  async copy() {
    try {
      // the clipboard API needs a secure context; a school server on plain http has none
      await navigator.clipboard.writeText(this.value.value);
    } catch {
      this.value.select();
      if (!document.execCommand("copy")) {
        showNotice(this.copied, "Copying is not allowed here: select the token and copy it.");
        return;
      }
    }
    showNotice(this.copied, "Token copied.");
  }
}
