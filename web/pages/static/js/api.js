// The REST API as the pages use it: same-origin requests signed in by the HttpOnly session
// cookie (scripts never see a token), and one error type carrying the service's JSON error.

export class ApiError extends Error {
  constructor(status, code, message, details, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
  }
}

export function signInUrl() {
  const here = window.location.pathname + window.location.search;
  return `/sign-in?next=${encodeURIComponent(here)}`;
}

export async function errorOf(response) {
  let error = {};
  try {
    error = (await response.json()).error || {};
  } catch {
    // not JSON: a proxy's page, say; the status still tells
  }
  return new ApiError(
    response.status,
    error.code || "http_error",
    error.message || `the service answered ${response.status}`,
    error.details,
    error.request_id || response.headers.get("X-Request-ID"),
  );
}

// method, path, and one of: json (an object sent as JSON), form (a FormData), raw ({body, type}).
export async function api(method, path, { json, form, raw, signInOn401 = true } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  } else if (raw !== undefined) {
    init.headers["Content-Type"] = raw.type;
    init.body = raw.body;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "unreachable", "the service cannot be reached; check the network");
  }
  if (response.status === 401 && signInOn401) {
    window.location.assign(signInUrl());
  }
  if (!response.ok) {
    throw await errorOf(response);
  }
  if (response.status === 204) {
    return null;
  }
  const type = response.headers.get("Content-Type") || "";
  return type.includes("application/json") ? response.json() : response.text();
}

// Every item of a paged list (the API pages with limit/offset and answers next_offset).
export async function listAll(path, limit = 200) {
  const items = [];
  let offset = 0;
  while (offset !== null && offset !== undefined) {
    const separator = path.includes("?") ? "&" : "?";
    const page = await api("GET", `${path}${separator}limit=${limit}&offset=${offset}`);
    items.push(...page.items);
    offset = page.next_offset;
  }
  return items;
}
