// A small DOM builder: every text goes in as text, never as HTML, so names and messages from
// the service cannot inject markup.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// An error box the screen reader announces: the message, each detail, and the request id
// an admin can find in the logs.
export function showError(container, error) {
  const lines = [];
  const details = error && error.details;
  if (Array.isArray(details)) {
    for (const detail of details) {
      lines.push(el("li", {}, describeDetail(detail)));
    }
  }
  const box = el(
    "div",
    { class: "error", role: "alert" },
    el("p", {}, error.message || String(error)),
    lines.length ? el("ul", {}, lines) : null,
    error.requestId ? el("p", { class: "request-id" }, `Request id: ${error.requestId}`) : null,
  );
  container.replaceChildren(box);
  return box;
}

function describeDetail(detail) {
  if (typeof detail !== "object" || detail === null) return String(detail);
  const where = [detail.row !== undefined ? `row ${detail.row}` : null,
    detail.photo ?? detail.filename ?? null,
    detail.field ?? (Array.isArray(detail.loc) ? detail.loc.join(".") : null)]
    .filter((part) => part !== null && part !== undefined && part !== "");
  const what = detail.message ?? detail.problem ?? detail.reason ?? detail.msg ?? JSON.stringify(detail);
  return where.length ? `${where.join(", ")}: ${what}` : what;
}

export function showNotice(container, message) {
  container.replaceChildren(el("div", { class: "notice", role: "status" }, message));
}

export function clear(container) {
  container.replaceChildren();
}

export function formatTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function formatDateTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}
