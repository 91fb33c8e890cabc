// What the board knows about one class session, kept apart from the page: a snapshot
// replaces it whole, each live message changes one part, and the counts are always worked
// out from the cards so they cannot disagree with what is shown.

export const STATUS_WORDS = {
  present: "Present",
  late: "Late",
  absent: "Absent",
  excused: "Excused",
  unseen: "Not yet seen",
};

// Who needs the teacher's eyes first: nobody has seen them, then those marked absent, then
// the late; the present and the excused are accounted for. The counts read in this order too.
export const COUNTED = ["unseen", "absent", "late", "present", "excused"];
const RANK = Object.fromEntries(COUNTED.map((status, index) => [status, index]));

// The streamer's camera states, as the three a teacher needs to tell apart.
const CAMERA_HEALTH = {
  live: "live",
  connecting: "connecting",
  reconnecting: "connecting",
  failed: "down",
  stopped: "down",
};

export function cameraHealth(state) {
  return CAMERA_HEALTH[state] || "down";
}

function studentOf(row) {
  return {
    personId: row.person_id,
    externalId: row.external_id,
    displayName: row.display_name,
    status: row.status || "unseen",
    firstSeen: row.first_seen || null,
    lastSeen: row.last_seen || null,
    manual: Boolean(row.manual),
    portrait: Boolean(row.portrait),
  };
}

export class BoardState {
  constructor(snapshot) {
    this.session = snapshot.session;
    this.students = new Map(snapshot.attendance.map((row) => [row.person_id, studentOf(row)]));
    this.unknownFaces = snapshot.unknown_faces || 0;
    this.askedCameras = new Set(); // camera ids whose room was looked up already
    this.cameras = new Map(
      snapshot.cameras.map((camera) => [
        camera.camera_id,
        { cameraId: camera.camera_id, name: camera.name, state: camera.state, error: camera.error },
      ]),
    );
  }

  // The missing first (COUNTED's order), each group by name as a class list reads.
  sortedStudents() {
    return [...this.students.values()].sort(
      (a, b) =>
        (RANK[a.status] ?? COUNTED.length) - (RANK[b.status] ?? COUNTED.length) ||
        a.displayName.localeCompare(b.displayName, undefined, { sensitivity: "base" }) ||
        a.externalId.localeCompare(b.externalId),
    );
  }

  // An attendance message (or the record an override answered): the changed student, or
  // null when it is not about a student on this board.
  applyAttendance(message) {
    if (message.session_id !== this.session.id) return null;
    const student = this.students.get(message.person_id);
    if (!student) return null;
    student.status = message.status;
    student.firstSeen = message.first_seen || null;
    student.lastSeen = message.last_seen || null;
    student.manual = Boolean(message.manual);
    return student;
  }

  applyUnknownFace(message) {
    if (message.session_id !== this.session.id) return false;
    // the service counts since it started; a count never goes back within one connection
    this.unknownFaces = Math.max(this.unknownFaces, message.count);
    return true;
  }

  // Only the cameras of this session's room are the board's: those the snapshot listed, and
  // any added to the room since (addCamera, once its room is known).
  applyCameraStatus(message) {
    const camera = this.cameras.get(message.camera_id);
    if (!camera) return null;
    camera.state = message.state;
    camera.error = message.error || null;
    return camera;
  }

  addCamera(camera, message) {
    if (camera.room_id !== this.session.room_id) return false;
    this.cameras.set(camera.id, {
      cameraId: camera.id,
      name: camera.name,
      state: message.state,
      error: message.error || null,
    });
    return true;
  }

  counts() {
    const counts = Object.fromEntries(COUNTED.map((status) => [status, 0]));
    for (const student of this.students.values()) counts[student.status] += 1;
    counts.all = this.students.size;
    counts.unknown = this.unknownFaces;
    return counts;
  }
}
