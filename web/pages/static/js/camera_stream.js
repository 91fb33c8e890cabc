// The camera's WebRTC stream to the service: one peer connection at a time, offered with a
// "feedback" data channel on which the service sends back the faces it sees. When the
// connection fails, the service restarts or the offer is refused for a while, a new offer is
// made after a pause that grows to 15 s; the local preview never stops meanwhile.

import { api } from "./api.js";

const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 15000;
// the service takes a complete offer (no trickle ICE); on a LAN gathering takes milliseconds
const GATHERING_LIMIT_MS = 5000;
// "disconnected" often heals by itself within seconds (a Wi-Fi hiccup)
const DISCONNECTED_GRACE_MS = 4000;
const FEEDBACK_LABEL = "feedback";
// Only a stream that stayed up this long starts the pauses afresh: two pages publishing the
// same camera (each offer replaces the other's peer) then take turns slowly, not every second.
const STEADY_MS = 30000;

function gatheringComplete(connection) {
  if (connection.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      connection.removeEventListener("icegatheringstatechange", changed);
      resolve();
    };
    const changed = () => {
      if (connection.iceGatheringState === "complete") finish();
    };
    const timer = setTimeout(finish, GATHERING_LIMIT_MS);
    connection.addEventListener("icegatheringstatechange", changed);
  });
}

export class CameraStream {
  // onState("connecting" | "starting" | "live" | "reconnecting" | "refused", detail);
  // onFeedback(faces message); onSignedOut(): the camera's sign-in is no longer valid.
  // "starting": the peer connection is up; "live" only once the service says it has the
  // camera's frames (the feedback channel's camera_status), so the page never says Live while
  // the camera's status still says connecting.
  constructor(cameraId, media, { onState, onFeedback, onSignedOut }) {
    this.cameraId = cameraId;
    this.media = media;
    this.onState = onState;
    this.onFeedback = onFeedback;
    this.onSignedOut = onSignedOut;
    this.pause = FIRST_PAUSE_MS;
    this.liveSince = null;
    this.attempt = 0; // events of an older connection carry an older number: ignored
    this.connection = null;
    this.retry = null;
    this.grace = null;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    this.attempt += 1;
    clearTimeout(this.retry);
    clearTimeout(this.grace);
    this.close();
  }

  close() {
    if (this.connection) {
      this.connection.close();
      this.connection = null;
    }
  }

  async connect() {
    this.close();
    this.attempt += 1;
    const attempt = this.attempt;
    this.onState("connecting");
    const connection = new RTCPeerConnection({ iceServers: [] }); // closed networks: no STUN
    this.connection = connection;
    for (const track of this.media.getVideoTracks()) {
      connection.addTransceiver(track, { direction: "sendonly", streams: [this.media] });
    }
    const feedback = connection.createDataChannel(FEEDBACK_LABEL);
    feedback.addEventListener("message", (event) => this.receive(attempt, event.data));
    feedback.addEventListener("close", () => this.lost(attempt, "the service ended the stream"));
    connection.addEventListener("connectionstatechange", () =>
      this.changed(attempt, connection.connectionState),
    );
    try {
      await connection.setLocalDescription(await connection.createOffer());
      await gatheringComplete(connection);
      if (attempt !== this.attempt) return;
      const answer = await api("POST", `/api/cameras/${this.cameraId}/offer`, {
        json: { sdp: connection.localDescription.sdp, type: "offer" },
        signInOn401: false,
      });
      if (attempt !== this.attempt) return;
      await connection.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    } catch (error) {
      if (attempt !== this.attempt) return;
      if (error.status === 401) {
        this.stop();
        this.onSignedOut();
      } else if (error.status === 403) {
        this.stop();
        this.onState("refused", { error });
      } else {
        this.lost(attempt, error.message || String(error));
      }
    }
  }

  changed(attempt, state) {
    if (attempt !== this.attempt) return;
    clearTimeout(this.grace);
    if (state === "connected") {
      this.onState("starting");
    } else if (state === "disconnected") {
      this.grace = setTimeout(() => this.lost(attempt, "the connection dropped"), DISCONNECTED_GRACE_MS);
    } else if (state === "failed" || state === "closed") {
      this.lost(attempt, `the connection ${state}`);
    }
  }

  lost(attempt, reason) {
    if (this.stopped || attempt !== this.attempt) return;
    this.attempt += 1;
    clearTimeout(this.grace);
    this.close();
    if (this.liveSince !== null && Date.now() - this.liveSince >= STEADY_MS) {
      this.pause = FIRST_PAUSE_MS;
    }
    this.liveSince = null;
    const pause = this.pause;
    this.pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    this.onState("reconnecting", { reason, inMs: pause });
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      if (!this.stopped) this.connect();
    }, pause);
  }

  receive(attempt, data) {
    if (attempt !== this.attempt) return;
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message && message.type === "faces") this.onFeedback(message);
    if (message && message.type === "camera_status" && message.state === "live") {
      this.liveSince = Date.now();
      this.onState("live");
    }
  }
}
