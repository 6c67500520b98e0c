// Reviewers and approvers: the queue with its deadlines, one application in full, and the
// actions its state machine allows now (the server says which: `allowed_actions`).
import { get, post, blobUrl, fetchBlob } from "./api.js";
import { h, page, act, say, table, status, time, values } from "./ui.js";

const ACTIONS = {
  accept: "受理", return_incomplete: "退回（材料不全）", request_supplement: "要求补正",
  record_visit: "记录入户核查", approve: "批准", reject: "不予批准", forward: "报区级审批",
};
// The server refuses these without a reason; asking first saves a round trip.
const NEEDS_REASON = ["return_incomplete", "request_supplement", "record_visit", "approve", "reject"];

const STATUSES = [["", "在办（默认）"], ["submitted", "已提交"], ["under_review", "审核中"],
  ["supplement_requested", "待补正"], ["awaiting_approval", "待区级审批"], ["approved", "已批准"], ["rejected", "不予批准"]];

// Street ids to names, loaded once per page view.
let streetNames = new Map();
async function loadStreets() {
  if (streetNames.size) return;
  try {
    streetNames = new Map((await get("/api/v1/streets?limit=100")).items.map((s) => [s.id, s.name]));
  } catch { /* ids are shown instead */ }
}
const street = (id) => (id ? streetNames.get(id) || id : "—");

function deadline(a) {
  if (a.decided_at || ["approved", "rejected", "returned", "withdrawn"].includes(a.status)) return "—";
  if (a.paused) return h("span", { class: "muted" }, "补正中，计时暂停");
  const due = a.status === "submitted" ? a.accept_due : a.decide_due;
  if (!due) return "—";
  const left = a.days_left;
  return h("span", { class: a.overdue ? "flag" : "" }, due,
    left === null || left === undefined ? "" : a.overdue ? `（已逾期 ${-left} 天）` : `（剩 ${left} 天）`);
}

export async function queue() {
  await loadStreets();
  const filters = h("form", { class: "inline", id: "queue-filter" },
    h("label", {}, "状态", h("select", { name: "status" }, STATUSES.map(([v, l]) => h("option", { value: v }, l)))),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "overdue", value: "true" }), "只看逾期"),
    h("button", { type: "submit" }, "筛选"));
  const list = h("div", { id: "queue" });
  async function load() {
    const v = values(filters);
    const q = new URLSearchParams();
    if (v.status) q.set("status", v.status);
    if (v.overdue) q.set("overdue", "true");
    const res = await act(null, () => get(`/api/v1/review/applications?${q}`));
    if (!res) return;
    list.replaceChildren(table([
      { title: "事项", cell: (a) => h("a", { href: `#/review/${a.id}` }, a.service_name) },
      { title: "街道", cell: (a) => street(a.street_id) },
      { title: "状态", cell: (a) => status(a.status) },
      { title: "提交时间", cell: (a) => time(a.submitted_at) },
      { title: "办理期限", cell: deadline },
      { title: "加急", cell: (a) => (a.urgent ? h("span", { class: "flag" }, "加急") : "") },
    ], res.items, "队列为空"));
  }
  filters.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  page("审核队列", h("section", { class: "card" }, filters), list);
  await load();
}

function facts(a) {
  const rows = [["事项", `${a.service_name}（第 ${a.service_version} 版）`], ["状态", status(a.status)],
    ["负责街道", street(a.street_id)], ["提交时间", time(a.submitted_at)], ["办理期限", deadline(a)],
    ["加急", a.urgent ? "是" : "否"]];
  return h("dl", { class: "facts" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function form(a) {
  const entries = Object.entries(a.values || {});
  return h("dl", { class: "facts" }, entries.flatMap(([k, v]) =>
    [h("dt", {}, k), h("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v))]));
}

function members(a) {
  return table([
    { title: "关系", cell: (m) => m.relation },
    { title: "姓名", cell: (m) => m.name_masked },
    { title: "身份证号", cell: (m) => m.id_number_masked },
    { title: "月收入（元）", cell: (m) => m.monthly_income ?? "—" },
    { title: "残疾等级", cell: (m) => m.disability_grade ?? "—" },
  ], a.members || [], "未申报家庭成员");
}

async function materials(a) {
  const box = h("div", { class: "thumbs", id: "materials" });
  for (const m of a.materials || []) {
    const base = `/api/v1/review/applications/${a.id}/materials/${m.id}`;
    const label = `${m.material_code}${m.supplement ? "（补正）" : ""}`;
    const open = h("button", { type: "button", onclick: () => full(base, label) }, "查看原件");
    const fig = h("figure", {}, h("figcaption", {}, label, " · ", time(m.added_at)), open);
    box.append(fig);
    try {
      fig.prepend(h("img", { src: await blobUrl(`${base}/thumbnail`), alt: `${label} 缩略图` }));
    } catch {
      fig.prepend(h("p", { class: "muted" }, "（PDF 或无缩略图）"));
    }
  }
  return box.childElementCount ? box : h("p", { class: "muted" }, "没有材料");
}

async function full(path, label) {
  const blob = await act(null, () => fetchBlob(path));
  if (!blob) return;
  const url = URL.createObjectURL(blob);
  // An image in <img>: in <object> Chromium wraps it in a document of its own whose
  // inline style the console's policy (default-src 'self') refuses. PDFs need <object>.
  const original = blob.type.startsWith("image/")
    ? h("img", { src: url, alt: label, class: "original" })
    : h("object", { data: url, type: blob.type, "aria-label": label, class: "original" },
      h("a", { href: url, download: "" }, "下载原件"));
  const dialog = h("dialog", { "aria-label": label },
    h("p", {}, label),
    original,
    h("form", { method: "dialog" }, h("button", { class: "primary" }, "关闭")));
  dialog.addEventListener("close", () => { URL.revokeObjectURL(url); dialog.remove(); });
  document.body.append(dialog);
  dialog.showModal();
}

function history(a) {
  return h("ol", { id: "history" }, (a.history || []).map((e) =>
    h("li", {}, `${time(e.at)} ${e.action}：${e.from_status ?? "—"} → ${e.to_status}`,
      e.actor_kind === "staff" ? "（工作人员）" : "（申请人）", e.note ? ` “${e.note}”` : "")));
}

function actions(a, redraw) {
  if (!a.allowed_actions.length) return h("p", { class: "muted" }, "当前状态下没有可办理的操作。");
  const reason = h("textarea", { id: "reason", name: "reason", rows: "3", cols: "50" });
  const buttons = a.allowed_actions.map((name) => h("button", {
    type: "button", class: name === "reject" || name === "return_incomplete" ? "danger" : "primary",
    dataset: { action: name },
    onclick: async (e) => {
      const text = reason.value.trim();
      if (NEEDS_REASON.includes(name) && !text) {
        say(`请先填写“${ACTIONS[name] || name}”的理由。`);
        reason.focus();
        return;
      }
      const next = await act(e.target, () => post(`/api/v1/review/applications/${a.id}/actions`,
        { action: name, reason: text || null }), `已办理：${ACTIONS[name] || name}`);
      if (next) redraw(next);
    },
  }, ACTIONS[name] || name));
  return h("div", {}, h("label", {}, "意见或理由", reason), h("p", { class: "inline" }, buttons));
}

export async function application(me, id) {
  await loadStreets();
  const a = await act(null, () => get(`/api/v1/review/applications/${id}`));
  if (!a) { page("申请详情", h("p", {}, h("a", { href: "#/review" }, "返回队列"))); return; }
  const draw = async (app) => {
    const overlap = (app.household_overlap || []).length
      ? h("p", { class: "flag" }, `注意：家庭成员另有 ${app.household_overlap.length} 件同类在办申请。`) : null;
    page(`申请：${app.service_name}`,
      h("p", {}, h("a", { href: "#/review" }, "← 返回队列")), overlap,
      h("section", { class: "card" }, facts(app)),
      h("section", { class: "card" }, h("h2", {}, "办理"), actions(app, (next) => draw(next).then(() => say(`已办理，当前状态：${next.status_label}`, true)))),
      h("section", { class: "card" }, h("h2", {}, "申请表"), form(app)),
      h("section", { class: "card" }, h("h2", {}, "家庭成员"), members(app)),
      h("section", { class: "card" }, h("h2", {}, "材料"), await materials(app)),
      h("section", { class: "card" }, h("h2", {}, "办理记录"), history(app)));
  };
  await draw(a);
}
