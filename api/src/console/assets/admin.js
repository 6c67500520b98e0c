// Admins: calendars and capacities, staff accounts, the survival-certification cycle and
// statistics, all over the public API.
import { get, post, put, del, call, blobUrl } from "./api.js";
import { h, page, act, say, table, status, today, addDays, clock, values } from "./ui.js";
import { bars } from "./charts.js";

const enc = encodeURIComponent;
const WEEKDAYS = ["", "周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const BUSINESS = { marriage_office: ["marriage", "divorce", "reissue"], cemetery: ["visit"], burial_ground: ["visit"],
  farewell_hall: ["farewell"], cremation: ["cremation"], funeral_home: ["farewell", "cremation"] };
const BUSINESS_LABEL = { marriage: "结婚登记", divorce: "离婚登记", reissue: "补领登记", visit: "祭扫", farewell: "告别厅", cremation: "火化" };

/** A place and business type picker; calls `chosen(resource, businessType)` on every change. */
async function placePicker(chosen) {
  const res = await act(null, () => get("/api/v1/resources"));
  if (!res || !res.items.length) return h("p", {}, "还没有可预约的场所。");
  const resource = h("select", { id: "resource" }, res.items.map((r) => h("option", { value: r.id }, r.name)));
  const business = h("select", { id: "business-type" });
  const fill = () => {
    const r = res.items[resource.selectedIndex];
    const types = BUSINESS[r.kind] || Object.keys(BUSINESS_LABEL);
    business.replaceChildren(...types.map((t) => h("option", { value: t }, BUSINESS_LABEL[t] || t)));
  };
  fill();
  resource.addEventListener("change", () => { fill(); chosen(res.items[resource.selectedIndex], business.value); });
  business.addEventListener("change", () => chosen(res.items[resource.selectedIndex], business.value));
  chosen(res.items[0], business.value);
  return h("div", { class: "inline form" }, h("label", {}, "场所", resource), h("label", {}, "业务", business));
}

// ---- Calendars and capacities ---------------------------------------------------------

export async function calendar() {
  const days = h("section", { class: "card", id: "days" });
  const special = h("section", { class: "card", id: "special" });
  const template = h("section", { class: "card", id: "template" });
  const peaks = h("section", { class: "card", id: "peaks" });
  let current = null;
  const show = async (resource, businessType) => {
    current = { resource, businessType };
    // Answers for an earlier choice are dropped (each section checks `stillCurrent`).
    const mine = current;
    const stillCurrent = () => current === mine;
    drawSpecial(special, resource, () => drawDays(days, current.resource, current.businessType));
    await Promise.all([drawDays(days, resource, businessType, stillCurrent),
      drawTemplate(template, resource, businessType, stillCurrent), drawPeaks(peaks, resource, stillCurrent)]);
  };
  page("日历与号源", h("section", { class: "card" }, await placePicker(show)), special, days, template, peaks);
}

async function drawDays(box, resource, businessType, stillCurrent = () => true) {
  const from = today();
  const to = addDays(from, Math.min(resource.window_days, 30));
  const res = await act(null, () => get(`/api/v1/resources/${enc(resource.id)}/availability?business_type=${businessType}&from=${from}&to=${to}`));
  if (!res || !stillCurrent()) return;
  box.dataset.resource = `${resource.id}:${businessType}`;
  box.replaceChildren(h("h2", {}, `未来 ${Math.min(resource.window_days, 30)} 天的号源`), table([
    { title: "日期", cell: (d) => d.date },
    { title: "状态", cell: (d) => status(d.state) },
    { title: "时段", cell: (d) => d.slots.map((x) => `${clock(x.starts_at)}(${x.capacity - x.remaining}/${x.capacity})`).join(" ") || "—" },
    { title: "容量", cell: (d) => d.slots.reduce((n, x) => n + x.capacity, 0) },
    { title: "已约", cell: (d) => d.slots.reduce((n, x) => n + x.capacity - x.remaining, 0) },
  ], res.days.map((d) => ({ ...d, id: d.date })), "这段时间没有号源"));
}

function drawSpecial(box, resource, changed) {
  const form = h("form", { class: "inline", id: "exception-form" },
    h("label", {}, "日期", h("input", { type: "date", name: "date", required: true, min: today() })),
    h("label", {}, "安排", h("select", { name: "kind" },
      h("option", { value: "closed" }, "休息（不开放）"), h("option", { value: "special" }, "调整容量"))),
    h("label", {}, "容量（模板的百分比）", h("input", { type: "number", name: "capacity_percent", min: "0", max: "1000", value: "100" })),
    h("label", {}, "说明", h("input", { name: "note", maxlength: "100" })),
    h("button", { type: "submit", class: "primary" }, "保存特殊日期"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = values(form);
    const body = { kind: v.kind, note: v.note || "" };
    if (v.kind === "special") body.capacity_percent = Number(v.capacity_percent);
    const ok = await act(form.querySelector("button[type=submit]"),
      () => put(`/api/v1/resources/${enc(resource.id)}/exceptions/${v.date}`, body).then(() => true),
      `${v.date} 已设为${v.kind === "closed" ? "休息" : `容量 ${v.capacity_percent}%`}`);
    if (ok) changed();
  });
  box.replaceChildren(h("h2", {}, `${resource.name}：特殊日期`),
    h("p", { class: "muted" }, "节假日休息、5·20 等加开或减少号源；已预约的号不受影响。"), form);
}

async function drawTemplate(box, resource, businessType, stillCurrent) {
  const res = await act(null, () => get(`/api/v1/resources/${enc(resource.id)}/templates/${businessType}`));
  if (!res || !stillCurrent()) return;
  const rows = h("tbody");
  const row = (s = { weekday: 1, start_time: "09:00", end_time: "10:00", capacity: 10 }) => {
    const tr = h("tr", {},
      h("td", {}, h("select", { name: "weekday", "aria-label": "星期" },
        WEEKDAYS.slice(1).map((w, i) => h("option", { value: i + 1, selected: s.weekday === i + 1 }, w)))),
      h("td", {}, h("input", { type: "time", name: "start_time", value: s.start_time, "aria-label": "开始", required: true })),
      h("td", {}, h("input", { type: "time", name: "end_time", value: s.end_time, "aria-label": "结束", required: true })),
      h("td", {}, h("input", { type: "number", name: "capacity", min: "0", max: "10000", value: s.capacity, "aria-label": "容量", required: true })),
      h("td", {}, h("button", { type: "button", class: "danger", onclick: () => tr.remove() }, "删除")));
    rows.append(tr);
  };
  res.slots.forEach(row);
  const form = h("form", { id: "template-form" },
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["星期", "开始", "结束", "容量", ""].map((t) => h("th", { scope: "col" }, t)))), rows)),
    h("p", { class: "inline" },
      h("button", { type: "button", onclick: () => { row(); rows.lastElementChild.querySelector("select").focus(); } }, "添加时段"),
      h("button", { type: "submit", class: "primary" }, "保存每周模板")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const slots = [...rows.children].map((tr) => ({
      weekday: Number(tr.querySelector("[name=weekday]").value),
      start_time: tr.querySelector("[name=start_time]").value.slice(0, 5),
      end_time: tr.querySelector("[name=end_time]").value.slice(0, 5),
      capacity: Number(tr.querySelector("[name=capacity]").value),
    }));
    await act(form.querySelector("button[type=submit]"),
      () => put(`/api/v1/resources/${enc(resource.id)}/templates/${businessType}`, { slots }), "每周模板已保存（尚未放出的日期按新模板）");
  });
  box.dataset.resource = `${resource.id}:${businessType}`;
  box.replaceChildren(h("h2", {}, `每周模板（${BUSINESS_LABEL[businessType] || businessType}）`), form);
}

async function drawPeaks(box, resource, stillCurrent = () => true) {
  const res = await act(null, () => get(`/api/v1/resources/${enc(resource.id)}/peak-periods`));
  if (!res || !stillCurrent()) return;
  box.replaceChildren(h("h2", {}, "高峰期（清明、冬至）"), table([
    { title: "名称", cell: (p) => p.name },
    { title: "日期", cell: (p) => `${p.first_date} 至 ${p.last_date}` },
    { title: "提前放号（天）", cell: (p) => p.window_days },
    { title: "时段", cell: (p) => p.slots.map((s) => `${s.start_time}-${s.end_time}×${s.capacity}`).join(" ") },
    { title: "操作", cell: (p) => h("button", { type: "button", class: "danger", onclick: async (e) => {
      const ok = await act(e.target, () => del(`/api/v1/resources/${enc(resource.id)}/peak-periods/${p.id}`).then(() => true), "已删除高峰期");
      if (ok) drawPeaks(box, resource);
    } }, "删除") },
  ], res.items, "没有设定高峰期"));
}

// ---- Staff accounts --------------------------------------------------------------------

const ROLES = [["clerk", "窗口人员"], ["reviewer", "审核人员"], ["approver", "审批人员"], ["admin", "管理员"]];
const SCOPES = [["office", "婚姻登记处"], ["funeral_home", "殡仪馆"], ["cemetery", "墓园"], ["street", "街道/乡镇"], ["district", "全区"]];

export async function staffAccounts() {
  const list = h("div", { id: "staff-list" });
  const created = h("div", { id: "created", "aria-live": "polite" });
  const [streets, resources] = await Promise.all([get("/api/v1/streets?limit=100").catch(() => ({ items: [] })),
    get("/api/v1/resources").catch(() => ({ items: [] }))]);
  const scopeIds = h("datalist", { id: "scope-ids" },
    [...streets.items, ...resources.items].map((x) => h("option", { value: x.id }, x.name)));
  const form = h("form", { class: "inline", id: "staff-form" },
    h("label", {}, "用户名", h("input", { name: "username", required: true, pattern: "[a-z0-9._\\-]{3,40}", autocomplete: "off" })),
    h("label", {}, "姓名", h("input", { name: "display_name", required: true })),
    h("label", {}, "角色", h("select", { name: "role" }, ROLES.map(([v, l]) => h("option", { value: v }, l)))),
    h("label", {}, "范围", h("select", { name: "scope_kind" }, SCOPES.map(([v, l]) => h("option", { value: v }, l)))),
    h("label", {}, "范围编号（全区不填）", h("input", { name: "scope_id", list: "scope-ids" })), scopeIds,
    h("button", { type: "submit", class: "primary" }, "创建账号"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = values(form);
    const body = { ...v, scope_id: v.scope_kind === "district" ? null : v.scope_id || null };
    const res = await act(form.querySelector("button"), () => post("/api/v1/staff-accounts", body), `已创建 ${v.username}`);
    if (!res) return;
    created.replaceChildren(h("p", { class: "card" }, `${res.account.username} 的初始密码（只显示这一次，请当面交给本人）：`,
      h("strong", { id: "first-password" }, res.first_password)));
    form.reset();
    load();
  });
  let cursor = null;
  async function load(more = false) {
    if (!more) cursor = null;
    const res = await act(null, () => get(`/api/v1/staff-accounts?limit=100${cursor ? `&cursor=${enc(cursor)}` : ""}`));
    if (!res) return;
    cursor = res.next_cursor;
    const rows = more ? [...(list._rows || []), ...res.items] : res.items;
    list._rows = rows;
    list.replaceChildren(table([
      { title: "用户名", cell: (a) => a.username },
      { title: "姓名", cell: (a) => a.display_name },
      { title: "角色", cell: (a) => Object.fromEntries(ROLES)[a.role] || a.role },
      { title: "范围", cell: (a) => `${Object.fromEntries(SCOPES)[a.scope_kind] || a.scope_kind}${a.scope_id ? ` ${a.scope_id}` : ""}` },
      { title: "状态", cell: (a) => (a.disabled ? "已停用" : a.must_change_password ? "待首次登录" : "正常") },
      { title: "两步验证", cell: (a) => (a.totp_enabled ? "已开启" : "未开启") },
      { title: "操作", class: "actions", cell: (a) => h("button", { type: "button", class: a.disabled ? "" : "danger",
        onclick: async (e) => {
          const ok = await act(e.target, () => post(`/api/v1/staff-accounts/${a.id}/${a.disabled ? "enable" : "disable"}`).then(() => true),
            `${a.username} 已${a.disabled ? "启用" : "停用"}`);
          if (ok) load();
        } }, a.disabled ? "启用" : "停用") },
    ], rows), ...(cursor ? [h("button", { type: "button", onclick: () => load(true) }, "加载更多")] : []));
  }
  page("工作人员", h("section", { class: "card" }, h("h2", {}, "新建账号"), form, created), list);
  await load();
}

// ---- Survival certification ------------------------------------------------------------

export async function certification(me) {
  const district = me.scope_kind === "district";
  const streets = district ? (await get("/api/v1/streets?limit=100").catch(() => ({ items: [] }))).items : [];
  const choices = district ? [{ id: "district", name: "全区" }, ...streets] : [{ id: me.scope_id, name: me.scope_id }];
  const body = h("div", { id: "certification" });
  const select = h("select", { id: "street" }, choices.map((c) => h("option", { value: c.id }, c.name)));
  select.addEventListener("change", () => draw(select.value));
  const sweep = me.role === "admin" ? h("button", { type: "button", onclick: async (e) => {
    const r = await act(e.target, () => post("/api/v1/certification/sweeps"), "每日检查已开始，在后台运行");
    if (r) draw(select.value);
  } }, "立即运行每日检查") : null;
  async function draw(street) {
    const base = `/api/v1/certification/streets/${enc(street)}`;
    const [stats, overdue] = await Promise.all([act(null, () => get(`${base}/stats`)), act(null, () => get(`${base}/overdue`))]);
    if (!stats || !overdue || select.value !== street) return; // another street was picked meanwhile
    const plot = h("img", { class: "plot", alt: "认证进度图：累计认证人数与逾期人数随时间变化" });
    blobUrl(`${base}/progress.svg`).then((u) => { plot.src = u; }).catch((e) => say(e.message));
    const csv = h("button", { type: "button", onclick: async (e) => {
      const url = await act(e.target, () => blobUrl(`${base}/export.csv`));
      if (!url) return;
      const a = h("a", { href: url, download: `certification-${street}-${today()}.csv` });
      document.body.append(a); a.click(); a.remove();
    } }, "导出 CSV");
    const c = stats.counts;
    body.replaceChildren(
      h("div", { class: "counts" },
        h("div", {}, "总人数", h("strong", {}, stats.total)),
        h("div", {}, "已认证", h("strong", {}, c.certified ?? 0)),
        h("div", {}, "待认证", h("strong", {}, c.due ?? 0)),
        h("div", {}, "已逾期", h("strong", {}, c.overdue ?? 0)),
        h("div", {}, "暂缓", h("strong", {}, c.exempt ?? 0)),
        h("div", {}, "暂停发放", h("strong", {}, stats.suspended))),
      h("h2", {}, "认证进度"), plot,
      h("h2", {}, "逾期名单"), h("p", {}, csv),
      table([
        { title: "姓名", cell: (t) => t.name },
        { title: "身份证号", cell: (t) => t.id_number },
        { title: "村", cell: (t) => t.village || "—" },
        { title: "应认证日期", cell: (t) => t.due_on },
        { title: "状态", cell: (t) => status(t.status) },
        { title: "暂停发放自", cell: (t) => t.suspended_since || "—" },
        { title: "人工复核", cell: (t) => (t.review_open ? "进行中" : "—") },
      ], overdue.items, "没有逾期人员"));
  }
  page("生存认证", h("section", { class: "card" }, h("div", { class: "inline form" }, h("label", {}, "街道", select), sweep)), body);
  await draw(select.value);
}

// ---- Statistics ------------------------------------------------------------------------

export async function statistics(me) {
  const bookings = h("section", { class: "card", id: "booking-stats" });
  const applications = h("section", { class: "card", id: "application-stats" });
  const picker = me.role === "admin" ? await placePicker((r, b) => drawBookings(bookings, r, b)) : null;
  page("统计", picker ? h("section", { class: "card" }, picker) : null, bookings, applications);
  await drawApplications(applications);
}

async function drawBookings(box, resource, businessType) {
  const from = today();
  const to = addDays(from, Math.min(resource.window_days, 30));
  const res = await act(null, () => get(`/api/v1/resources/${enc(resource.id)}/availability?business_type=${businessType}&from=${from}&to=${to}`));
  if (!res) return;
  const perDay = res.days.map((d) => {
    const capacity = d.slots.reduce((n, x) => n + x.capacity, 0);
    const booked = d.slots.reduce((n, x) => n + x.capacity - x.remaining, 0);
    return { label: d.date.slice(5), value: booked, capacity };
  });
  box.replaceChildren(h("h2", {}, `${resource.name}：预约量与利用率（今天起 ${perDay.length} 天）`),
    bars("每日预约数", perDay, {}),
    bars("每日号源利用率", perDay.map((d) => ({ label: d.label, value: d.capacity ? Math.round((100 * d.value) / d.capacity) : 0,
      note: `${d.value}/${d.capacity}` })), { format: (v) => `${v}%`, max: 100 }));
}

async function drawApplications(box) {
  const to = today();
  const from = `${to.slice(0, 4)}-01-01`;
  const res = await act(null, () => get(`/api/v1/review/statistics?from=${from}&to=${to}`));
  if (!res) { box.replaceChildren(h("p", { class: "muted" }, "申请统计仅对区级管理员和审批人员开放。")); return; }
  const byStatus = {};
  for (const c of res.counts) byStatus[c.status] = (byStatus[c.status] || 0) + c.count;
  const statusData = Object.entries(byStatus).map(([k, v]) => ({ label: status(k).textContent, value: v }));
  const times = Object.entries(res.median_processing_days || {}).map(([k, v]) => ({ label: k, value: v }));
  const csv = h("button", { type: "button", onclick: async (e) => {
    const res2 = await act(e.target, () => call("GET", `/api/v1/review/statistics?from=${from}&to=${to}&format=csv`, undefined, { raw: true }));
    if (!res2) return;
    const a = h("a", { href: URL.createObjectURL(await res2.blob()), download: `applications-${from}-${to}.csv` });
    document.body.append(a); a.click(); a.remove();
  } }, "导出 CSV");
  box.replaceChildren(h("h2", {}, `社会救助申请（${from} 至 ${to}）`), h("p", {}, csv),
    bars("各状态申请数", statusData),
    bars("办理时长中位数（天）", times, { format: (v) => Number(v).toFixed(1) }));
}
