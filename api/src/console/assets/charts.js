// Bar charts drawn as SVG by hand: no chart library, nothing fetched. Each chart carries
// its numbers as text too (on the bars and in a table), for screen readers and print.
import { h } from "./ui.js";

const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A vertical bar chart of `data` ([{label, value, note}]), values formatted by `format`. */
export function bars(title, data, { format = (v) => String(v), max } = {}) {
  const width = Math.max(320, data.length * 56 + 60);
  const height = 260;
  const top = 24, bottom = 60, left = 40;
  const peak = max ?? Math.max(1, ...data.map((d) => d.value));
  const band = (width - left - 10) / Math.max(1, data.length);
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, width, role: "img", "aria-label": title });
  svg.append(s("title", {}, title));
  svg.append(s("line", { x1: left, y1: height - bottom, x2: width - 5, y2: height - bottom, stroke: "#555" }));
  data.forEach((d, i) => {
    const barH = ((height - top - bottom) * d.value) / peak;
    const x = left + i * band + band * 0.15;
    const y = height - bottom - barH;
    const g = s("g");
    g.append(s("title", {}, `${d.label}：${format(d.value)}${d.note ? `（${d.note}）` : ""}`));
    g.append(s("rect", { x, y, width: band * 0.7, height: Math.max(0, barH), fill: "#0b57d0" }));
    g.append(s("text", { x: x + band * 0.35, y: y - 4, "text-anchor": "middle", "font-size": 12 }, format(d.value)));
    g.append(s("text", { x: x + band * 0.35, y: height - bottom + 16, "text-anchor": "end", "font-size": 12,
      transform: `rotate(-35 ${x + band * 0.35} ${height - bottom + 16})` }, d.label));
    svg.append(g);
  });
  const figure = h("figure", { class: "chart" }, h("figcaption", {}, title), svg);
  const details = h("details", {}, h("summary", {}, "查看数据"),
    h("table", {}, h("tbody", {}, data.map((d) => h("tr", {}, h("th", { scope: "row" }, d.label),
      h("td", {}, format(d.value)), d.note ? h("td", {}, d.note) : null)))));
  figure.append(details);
  return figure;
}
