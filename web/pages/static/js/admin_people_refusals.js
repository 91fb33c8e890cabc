// Why the service refused photos or CSV rows, in words, one list item each: the API's 422
// lists every refused photo (index, file name, reason) or row, and nothing was written.

import { el } from "./dom.js";

const REASONS = {
  no_face: "no face found",
  several_faces: "several faces",
  low_quality: "face not usable",
  not_an_image: "not an image",
  too_large: "too large",
  empty: "empty file",
  unreadable: "unreadable",
  no_consent: "no consent recorded",
};

export function reasonWords(reason) {
  return REASONS[reason] || reason || "refused";
}

function qualityReasons(detail) {
  const reasons = detail.quality_reasons;
  return Array.isArray(reasons) && reasons.length ? ` (${reasons.join("; ")})` : "";
}

function photoRefusal(detail) {
  const where = `Photo ${Number(detail.index) + 1}, ${detail.filename}`;
  return el(
    "li",
    { dataset: { reason: detail.reason } },
    el("strong", {}, `${where}: ${reasonWords(detail.reason)}`),
    ` — ${detail.message}${qualityReasons(detail)}`,
  );
}

function rowProblem(detail) {
  const parts = [`Row ${detail.row}`];
  if (detail.external_id) parts.push(detail.external_id);
  if (detail.photo) parts.push(detail.photo);
  return el(
    "li",
    { dataset: { reason: detail.reason } },
    el("strong", {}, `${parts.join(", ")}: ${reasonWords(detail.reason)}`),
    ` — ${detail.message}${qualityReasons(detail)}`,
  );
}

// An alert: the service's message, a line per refused photo or row, and the request id.
export function showRefusals(container, error) {
  const details = Array.isArray(error.details) ? error.details : [];
  const items = details.map((detail) => (detail.row !== undefined ? rowProblem(detail) : photoRefusal(detail)));
  const box = el(
    "div",
    { class: "error", role: "alert" },
    el("p", {}, error.message),
    items.length ? el("ul", { class: "refusals" }, items) : null,
    error.requestId ? el("p", { class: "request-id" }, `Request id: ${error.requestId}`) : null,
  );
  container.replaceChildren(box);
}
