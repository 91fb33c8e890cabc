// Icons drawn inline (the policy allows no image from elsewhere, and inline SVG costs no
// request): 24x24 strokes in the text's colour. Every icon is decoration beside a word or
// inside a control with its own label, so screen readers skip it.

// the SVG namespace is a name, never fetched
const SVG_NS = "http://www.w3.org/2000/svg";

const SHAPES = {
  present: [["path", { d: "M20 6 9 17l-5-5" }]],
  late: [
    ["circle", { cx: 12, cy: 12, r: 9 }],
    ["path", { d: "M12 7v5l3 2" }],
  ],
  absent: [["path", { d: "M18 6 6 18M6 6l12 12" }]],
  excused: [
    ["path", { d: "M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z" }],
    ["path", { d: "M14 3v5h5M9 13h6M9 17h4" }],
  ],
  unseen: [["circle", { cx: 12, cy: 12, r: 9, "stroke-dasharray": "3.5 3" }]],
  all: [
    ["circle", { cx: 9, cy: 8, r: 4 }],
    ["path", { d: "M2 21v-1a6 6 0 0 1 6-6h2a6 6 0 0 1 6 6v1" }],
    ["path", { d: "M16 4.2a4 4 0 0 1 0 7.6M19 14.5a6 6 0 0 1 3 5.5v1" }],
  ],
  unknown: [
    ["circle", { cx: 10, cy: 8, r: 4 }],
    ["path", { d: "M3 21v-1a6 6 0 0 1 8.5-5.5" }],
    ["path", { d: "M16 15.2a2.3 2.3 0 1 1 3.2 2.1c-.6.3-.9.7-.9 1.3v.4M18.3 21.6h.01" }],
  ],
  camera: [
    ["path", { d: "m22 8-6 4 6 4z" }],
    ["rect", { x: 2, y: 6, width: 14, height: 12, rx: 2 }],
  ],
  cameraOff: [
    ["path", { d: "M2 2l20 20M16 16v1a1 1 0 0 1-1 1H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h2" }],
    ["path", { d: "M10 6h4a2 2 0 0 1 2 2v3.3l6-3.3v8" }],
  ],
  download: [["path", { d: "M12 3v12m-5-5 5 5 5-5M5 21h14" }]],
  calendar: [
    ["rect", { x: 3, y: 4, width: 18, height: 17, rx: 2 }],
    ["path", { d: "M3 10h18M8 2v4M16 2v4" }],
  ],
  room: [["path", { d: "M3 21h18M5 21V5a2 2 0 0 1 2-2h10a2 2 0 0 1 2 2v16M14 12h.01" }]],
  arrow: [["path", { d: "M5 12h14m-6-6 6 6-6 6" }]],
};

export function icon(name, className = "icon") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `${className} icon-${name}`);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const [tag, attributes] of SHAPES[name] || []) {
    const shape = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attributes)) shape.setAttribute(key, String(value));
    svg.append(shape);
  }
  return svg;
}
