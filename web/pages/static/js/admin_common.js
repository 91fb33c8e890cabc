// What the admin pages share: tables with header cells, a confirm step as a modal dialog that
// gives focus back, buttons that stay disabled while their request runs, and paged searches.

import { api } from "./api.js";
import { clear, el, showError } from "./dom.js";

// A table whose column headers a screen reader announces with each cell. `rows` holds arrays
// of cells (text or nodes); an empty list shows `empty` instead of a bare header row.
export function dataTable(caption, headers, rows, empty = "Nothing here yet.") {
  if (!rows.length) return el("p", { class: "muted" }, empty);
  return el(
    "div",
    { class: "table-scroll" },
    el(
      "table",
      {},
      el("caption", { class: "visually-hidden" }, caption),
      el("thead", {}, el("tr", {}, headers.map((header) => el("th", { scope: "col" }, header)))),
      el(
        "tbody",
        {},
        rows.map(([first, ...rest]) =>
          el("tr", {}, el("th", { scope: "row" }, first), rest.map((cell) => el("td", {}, cell))),
        ),
      ),
    ),
  );
}

// A button showing a short verb, with the thing it acts on in its accessible name too ("Open
// Grace Hopper"), so a narrow table stays narrow and a screen reader still knows which row.
export function rowButton(verb, subject, onclick, kind = "secondary") {
  return el(
    "button",
    { type: "button", class: kind, onclick },
    verb,
    el("span", { class: "visually-hidden" }, ` ${subject}`),
  );
}

// "1 person", "3 people": counts read as sentences on a projector.
export function count(n, singular, plural) {
  return `${n} ${n === 1 ? singular : plural}`;
}

// Runs `action` with the button disabled, so a double click cannot send a request twice.
export async function whileBusy(button, action) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// A modal confirm step: resolves true on the confirm button, false on cancel or Escape. Focus
// goes to Cancel first (the safe choice) and back to `returnFocus` when it closes.
export function confirmStep({ title, message, confirmLabel, returnFocus }) {
  return new Promise((resolve) => {
    const cancel = el("button", { type: "button", class: "secondary" }, "Cancel");
    const confirm = el("button", { type: "button", class: "danger" }, confirmLabel);
    const heading = el("h2", { id: "confirm-title" }, title);
    const dialog = el(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-text" },
      heading,
      el("p", { id: "confirm-text" }, message),
      el("div", { class: "actions" }, cancel, confirm),
    );
    let answer = false;
    cancel.addEventListener("click", () => dialog.close());
    confirm.addEventListener("click", () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (returnFocus && returnFocus.isConnected) returnFocus.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// A search over a paged list endpoint (limit/offset, next_offset), with Previous/Next buttons
// and a count announced in a status region. `renderItems(items)` gives the results' node;
// `problems` shows why a page could not be turned to (a click has no caller to tell).
export class PagedSearch {
  constructor({ path, container, problems, renderItems, pageSize = 20, describe }) {
    this.path = path;
    this.container = container;
    this.problems = problems;
    this.renderItems = renderItems;
    this.pageSize = pageSize;
    this.describe = describe;
    this.query = "";
    this.offset = 0;
  }

  async search(query) {
    this.query = query.trim();
    this.offset = 0;
    await this.load();
  }

  async reload() {
    await this.load();
  }

  // `focusOn` ("previous" | "next"): the pager button a keyboard user just pressed, which this
  // render replaces; focus moves to its successor (or the other one at either end).
  async load(focusOn = null) {
    const params = new URLSearchParams({ limit: String(this.pageSize), offset: String(this.offset) });
    if (this.query) params.set("q", this.query);
    const page = await api("GET", `${this.path}?${params}`);
    const previous = el("button", { type: "button", class: "secondary" }, "Previous page");
    const next = el("button", { type: "button", class: "secondary" }, "Next page");
    previous.disabled = this.offset === 0;
    next.disabled = page.next_offset === null || page.next_offset === undefined;
    previous.addEventListener("click", () =>
      this.turn(Math.max(0, this.offset - this.pageSize), "previous"),
    );
    next.addEventListener("click", () => this.turn(page.next_offset, "next"));
    const first = page.items.length ? this.offset + 1 : 0;
    const last = this.offset + page.items.length;
    const pager = el("div", { class: "pager" }, previous, next);
    pager.hidden = previous.disabled && next.disabled;
    this.container.replaceChildren(
      el("p", { role: "status", class: "muted" }, this.describe(page.items.length, first, last)),
      this.renderItems(page.items),
      pager,
    );
    if (focusOn) {
      const [wanted, other] = focusOn === "next" ? [next, previous] : [previous, next];
      (wanted.disabled ? other : wanted).focus();
    }
  }

  async turn(offset, focusOn) {
    const shown = this.offset;
    this.offset = offset;
    try {
      clear(this.problems);
      await this.load(focusOn);
    } catch (error) {
      this.offset = shown; // still the page on screen
      showError(this.problems, error);
    }
  }
}

// Sends a form through `handler(button)` instead of the browser's own submission (which would
// navigate away); the browser still checks required fields first.
export function onSubmit(form, handler) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    handler(event.submitter || form.querySelector("button[type=submit]"));
  });
}
