// The API reference: the OpenAPI document the service builds from its own routes, as a page
// with contents, each operation's role, parameters, body and responses, and every schema.

import { api } from "./api.js";
import { startPage } from "./chrome.js";
import { el, showError } from "./dom.js";

const status = document.getElementById("docs-status");
const contents = document.getElementById("docs-contents");
const operations = document.getElementById("docs-operations");
const schemasSection = document.getElementById("docs-schemas");
const schemaList = document.getElementById("docs-schema-list");

const anchor = (prefix, name) => `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;

function refName(schema) {
  return schema && schema.$ref ? schema.$ref.split("/").pop() : null;
}

// A schema in a few words: a link to a named one, else its type (and what it holds).
function typeOf(schema) {
  if (!schema || Object.keys(schema).length === 0) return "any";
  const name = refName(schema);
  if (name) return el("a", { href: `#${anchor("schema", name)}` }, name);
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  for (const key of ["anyOf", "oneOf"]) {
    if (schema[key]) {
      const parts = [];
      schema[key].forEach((part, i) => {
        if (i) parts.push(" | ");
        parts.push(typeOf(part));
      });
      return el("span", {}, parts);
    }
  }
  if (schema.type === "array") return el("span", {}, "list of ", typeOf(schema.items));
  return schema.format ? `${schema.type} (${schema.format})` : schema.type || "object";
}

function fieldsTable(schema) {
  const properties = (schema && schema.properties) || {};
  const names = Object.keys(properties);
  if (!names.length) return null;
  const required = new Set(schema.required || []);
  return el(
    "table",
    { class: "fields" },
    el("thead", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "about"))),
    el(
      "tbody",
      {},
      names.map((name) =>
        el(
          "tr",
          {},
          el("td", {}, el("code", {}, name), required.has(name) ? " (required)" : ""),
          el("td", {}, typeOf(properties[name])),
          el("td", {}, properties[name].description || ""),
        ),
      ),
    ),
  );
}

function describeOperation(method, path, op) {
  const parts = [
    el("h3", {}, el("span", { class: "method" }, method.toUpperCase()), el("code", {}, path)),
    el("p", {}, op.summary),
  ];
  if (op.description) parts.push(el("p", { class: "muted" }, op.description));
  parts.push(el("p", { class: "role" }, op["x-rollcall-role"] ? `Needs: ${op["x-rollcall-role"]}` : op.security && op.security.length ? "Needs: a signed-in user or the camera's token" : "Open to anyone"));
  if (op.parameters && op.parameters.length) {
    parts.push(
      el(
        "ul",
        {},
        op.parameters.map((p) =>
          el("li", {}, el("code", {}, p.name), ` (${p.in}${p.required ? ", required" : ""}) `, p.description || ""),
        ),
      ),
    );
  }
  const body = op.requestBody && op.requestBody.content;
  if (body) {
    for (const [media, { schema }] of Object.entries(body)) {
      parts.push(el("p", {}, "Body (", el("code", {}, media), "): ", typeOf(schema)));
    }
  }
  const messages = op["x-rollcall-messages"];
  if (messages) {
    for (const side of ["client", "server"]) {
      const list = [];
      messages[side].forEach((ref, i) => {
        if (i) list.push(", ");
        list.push(typeOf(ref));
      });
      parts.push(el("p", {}, side === "client" ? "The client sends: " : "The service sends: ", list));
    }
  }
  parts.push(
    el(
      "ul",
      {},
      Object.entries(op.responses || {}).map(([code, response]) => {
        const content = response.content && Object.values(response.content)[0];
        return el("li", {}, el("code", {}, code), ` ${response.description}`, content && content.schema ? [" — ", typeOf(content.schema)] : "");
      }),
    ),
  );
  return el("article", { class: "op", id: anchor("op", `${method}-${path}`) }, parts);
}

function render(doc) {
  const byTag = new Map();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push([method, path, op]);
    }
  }
  const tags = [...byTag.keys()].sort();
  contents.replaceChildren(
    el("h2", {}, "Contents"),
    el(
      "ul",
      {},
      tags.map((tag) => el("li", {}, el("a", { href: `#${anchor("tag", tag)}` }, tag))),
      el("li", {}, el("a", { href: "#schemas-title" }, "Schemas")),
    ),
  );
  contents.hidden = false;
  operations.replaceChildren(
    ...tags.map((tag) =>
      el(
        "section",
        { "aria-labelledby": anchor("tag", tag) },
        el("h2", { id: anchor("tag", tag) }, tag),
        byTag.get(tag).map(([method, path, op]) => describeOperation(method, path, op)),
      ),
    ),
  );
  const schemas = (doc.components && doc.components.schemas) || {};
  schemaList.replaceChildren(
    ...Object.keys(schemas)
      .sort()
      .map((name) =>
        el(
          "div",
          { class: "schema", id: anchor("schema", name) },
          el("h3", {}, name),
          schemas[name].description ? el("p", { class: "muted" }, schemas[name].description) : null,
          fieldsTable(schemas[name]) || el("p", {}, typeOf({ ...schemas[name], title: undefined })),
        ),
      ),
  );
  schemasSection.hidden = false;
  const count = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
  status.textContent = `${count} operations, ${Object.keys(schemas).length} schemas (version ${doc.info.version}).`;
}

await startPage();
try {
  render(await api("GET", "/api/openapi.json"));
} catch (error) {
  showError(status, error);
}
