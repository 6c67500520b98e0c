// The clerk's day: the bookings of their office, funeral home or cemetery, refreshed every
// few seconds, a search box for codes, scanned QR text and ID numbers, and one-click actions.
import { get, post } from "./api.js";
import { h, page, act, say, clear, table, status, today, clock, time, values } from "./ui.js";

const REFRESH_MS = 10000;
// A no-show this desk recorded can be taken back for 10 minutes (the server's limit, less
// a margin): appointment id → until when.
const UNDO_MS = 10 * 60 * 1000 - 15000;
const undoUntil = new Map();

/** What each kind of place shows and allows, over the public desk API. */
const KINDS = {
  office: {
    title: "婚姻登记预约",
    list: (id, date) => `/api/v1/desk/marriage/appointments?office_id=${enc(id)}&date=${date}`,
    lookup: (q) => `/api/v1/desk/marriage/lookup?q=${enc(q)}`,
    columns: [
      { title: "时间", cell: (r) => clock(r.starts_at) },
      { title: "预约码", cell: (r) => h("strong", {}, r.code) },
      { title: "业务", cell: (r) => ({ marriage: "结婚登记", divorce: "离婚登记", reissue: "补领登记" })[r.business_type] || r.business_type },
      { title: "当事人", cell: (r) => r.parties.map((p) => `${p.name_masked} ${p.id_number_masked}`).join("；") },
    ],
    actions: (r) => [
      r.status === "confirmed" && ["check-in", "签到"],
      r.status === "checked_in" && ["complete", "办结"],
      // A no-show only once the slot has started (the server refuses it before, too).
      r.status === "confirmed" && new Date(r.starts_at) <= new Date() && ["no-show", "未到"],
      r.status === "no_show" && (undoUntil.get(r.id) || 0) > Date.now() && ["undo-no-show", "撤销未到"],
    ],
    act: (r, a) => `/api/v1/desk/marriage/appointments/${r.id}/${a}`,
  },
  cemetery: {
    title: "祭扫预约",
    list: (id, date) => `/api/v1/desk/tomb-visits?cemetery_id=${enc(id)}&date=${date}`,
    lookup: (q) => `/api/v1/desk/tomb-visits/lookup?q=${enc(q)}`,
    columns: [
      { title: "时段", cell: (r) => `${clock(r.starts_at)}–${clock(r.ends_at)}` },
      { title: "预约码", cell: (r) => h("strong", {}, r.code) },
      { title: "墓位", cell: (r) => r.grave },
      { title: "人数", cell: (r) => r.persons },
      { title: "祭扫人", cell: (r) => r.visitors.map((v) => `${v.name_masked} ${v.id_number_masked}`).join("；") },
      { title: "车牌", cell: (r) => r.plates.join("、") || "—" },
    ],
    actions: (r) => [r.status === "booked" && ["check-in", "入园"]],
    act: (r, a) => `/api/v1/desk/tomb-visits/${r.id}/${a}`,
  },
  funeral_home: {
    title: "殡葬服务预约",
    list: (id, date) => `/api/v1/desk/funeral/bookings?home_id=${enc(id)}&date=${date}`,
    lookup: null,
    columns: [
      { title: "逝者", cell: (r) => `${r.deceased.name_masked} ${r.deceased.id_number_masked}` },
      { title: "接运", cell: (r) => (r.transport ? time(r.transport.agreed_at || r.transport.proposed_at || r.transport.requested_at) : "—") },
      { title: "告别", cell: (r) => (r.farewell ? time(r.farewell.starts_at) : "—") },
      { title: "火化", cell: (r) => (r.cremation ? time(r.cremation.starts_at) : "—") },
      { title: "金额", cell: (r) => `¥${(r.total_fen / 100).toFixed(2)}` },
    ],
    actions: (r) => [
      r.allowed_actions.includes("confirm") && ["confirm", "确认"],
      r.allowed_actions.includes("done") && ["done", "办结"],
    ],
    act: (r, a) => `/api/v1/desk/funeral/bookings/${r.id}/${a}`,
    // The home may propose another transport time; the family accepts it in the app.
    extra: (r, done) => {
      if (!r.allowed_actions.includes("propose_transport_time")) return null;
      const form = h("form", { class: "inline" },
        h("label", {}, "另约接运时间", h("input", { type: "datetime-local", name: "at", required: true })),
        h("button", { type: "submit" }, "发送"));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const at = `${values(form).at}:00+08:00`; // the desk works in Beijing time
        const ok = await act(form.querySelector("button"),
          () => post(`/api/v1/desk/funeral/bookings/${r.id}/propose-transport-time`, { transport_at: at }), "已向家属提出新的接运时间");
        if (ok) done();
      });
      return form;
    },
  },
};

const enc = encodeURIComponent;

/** The places a district admin may pick; clerks have exactly one, shown by its name. */
async function places(me) {
  const [resources, homes] = await Promise.all([get("/api/v1/resources"), get("/api/v1/funeral-homes")]);
  const kindOf = { marriage_office: "office", cemetery: "cemetery", burial_ground: "cemetery" };
  const all = [
    ...resources.items.filter((r) => kindOf[r.kind]).map((r) => ({ kind: kindOf[r.kind], id: r.id, name: r.name })),
    ...homes.items.map((f) => ({ kind: "funeral_home", id: f.id, name: f.name })),
  ];
  if (me.scope_kind === "district") return all;
  const mine = all.find((p) => p.kind === me.scope_kind && p.id === me.scope_id);
  return [mine || { kind: me.scope_kind, id: me.scope_id, name: me.scope_id }];
}

export async function desk(me) {
  const choices = await act(null, () => places(me));
  if (!choices || !choices.length || !choices.every((c) => KINDS[c.kind])) {
    page("今日预约", h("p", {}, "您的账号没有对应的登记处、殡仪馆或墓园。"));
    return;
  }
  let place = choices[0];
  let date = today();
  let found = null; // search results replace the day's list until cleared
  let searched = ""; // what was searched, to refresh the results with
  const list = h("div", { id: "day-list" });
  const updated = h("p", { class: "muted", id: "updated" });
  const load = h("div", { id: "load" });

  const picker = choices.length > 1 && h("label", {}, "场所",
    h("select", { id: "place", onchange: (e) => { place = choices[e.target.selectedIndex]; found = null; refresh(); } },
      choices.map((c) => h("option", { value: `${c.kind}:${c.id}` }, c.name))));
  const day = h("label", {}, "日期", h("input", { type: "date", id: "day", value: date,
    onchange: (e) => { date = e.target.value || today(); found = null; refresh(); } }));
  const search = h("form", { class: "inline", role: "search", id: "search" },
    h("label", {}, "预约码、扫码内容或身份证号",
      h("input", { name: "q", id: "q", autocomplete: "off", size: "24", enterkeyhint: "search" })),
    h("button", { type: "submit", class: "primary" }, "查找"),
    h("button", { type: "button", onclick: () => { found = null; search.reset(); refresh(); } }, "显示全天"));
  search.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear();
    const q = values(search).q.trim();
    if (!q) return;
    const res = await act(null, () => lookup(q));
    if (res) { found = res; searched = q; }
    if (res) {
      draw(found, `查找“${q}”：${found.length} 条`);
      if (found.length) list.querySelector("button")?.focus();
      else say("没有找到对应的预约，请核对后重试。");
    }
  });

  // Funeral bookings have no code to scan: the box narrows the day's list instead.
  async function lookup(q) {
    const spec = KINDS[place.kind];
    if (spec.lookup) return (await get(spec.lookup(q))).items;
    return (await get(spec.list(place.id, date))).items.filter((r) => JSON.stringify(r).includes(q));
  }

  function draw(items, caption) {
    // The list is rebuilt on every refresh: keep the keyboard focus on the same button.
    const was = document.activeElement;
    const keepFocus = list.contains(was) && was.dataset.action
      ? [was.closest("tr")?.dataset.id, was.dataset.action] : null;
    const spec = KINDS[place.kind];
    const columns = [...spec.columns,
      { title: "状态", cell: (r) => status(r.status) },
      { title: "操作", class: "actions", cell: (r) => spec.actions(r).filter(Boolean).map(([a, label]) =>
        h("button", { type: "button", class: a === "no-show" ? "danger" : "primary", dataset: { action: a },
          "aria-label": `${label} ${r.code || ""}`,
          onclick: async (e) => {
            // Three no-shows block booking for months: one click next to 签到 must not record one.
            if (a === "no-show" && !window.confirm(`确认记录 ${r.code || ""} 未到？多次未到将暂停其预约资格。`)) return;
            const done = await act(e.target, () => post(spec.act(r, a)), `${label}成功`);
            if (!done) return;
            if (a === "no-show") undoUntil.set(r.id, Date.now() + UNDO_MS);
            await refresh();
            // Ready for the next party: the scanner types into the search box.
            const q = document.getElementById("q");
            q.focus();
            q.select();
          } }, label)).concat(spec.extra ? [spec.extra(r, refresh)] : []) },
    ];
    list.replaceChildren(h("h2", {}, caption), table(columns, items, "这一天没有预约"));
    if (keepFocus) {
      list.querySelector(`tr[data-id="${keepFocus[0]}"] button[data-action="${keepFocus[1]}"]`)?.focus();
    }
  }

  async function refresh() {
    const spec = KINDS[place.kind];
    if (found) {
      // Keep showing the search results, with their current states.
      try { found = await lookup(searched); } catch { /* keep the last answer */ }
      draw(found, `查找“${searched}”：${found.length} 条`);
      return;
    }
    try {
      const res = await get(spec.list(place.id, date));
      draw(res.items, `${spec.title}（${date}，共 ${res.items.length} 条）`);
      updated.textContent = `更新于 ${new Date().toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" })}，每 ${REFRESH_MS / 1000} 秒自动刷新`;
      if (place.kind === "cemetery") await drawLoad(); else load.replaceChildren();
    } catch (e) {
      say(e.message);
    }
  }

  // The walk-in form is built once per place, so a refresh never eats what is being typed.
  const counts = h("div", { class: "counts" });
  const walkIns = h("form", { class: "inline", id: "walk-ins" },
    h("label", {}, "散客人数", h("input", { name: "persons", type: "number", min: "1", max: "500", required: true })),
    h("button", { type: "submit" }, "登记散客"));
  walkIns.addEventListener("submit", async (e) => {
    e.preventDefault();
    const ok = await act(walkIns.querySelector("button"),
      () => post(`/api/v1/desk/cemeteries/${enc(place.id)}/walk-ins`, { persons: Number(values(walkIns).persons) }), "已登记");
    if (ok) { walkIns.reset(); refresh(); }
  });

  async function drawLoad() {
    const l = await get(`/api/v1/desk/cemeteries/${enc(place.id)}/load?date=${date}`);
    if (!load.contains(walkIns)) load.replaceChildren(counts, walkIns);
    counts.replaceChildren(
      h("div", {}, "接待能力", h("strong", {}, l.capacity)),
      h("div", {}, "预约人数", h("strong", {}, l.booked_persons)),
      h("div", {}, "已入园", h("strong", {}, l.checked_in_persons)),
      h("div", {}, "散客", h("strong", {}, l.walk_in_persons)),
      h("div", {}, "预计总人数", h("strong", {}, l.expected_persons)));
  }

  // A clerk sees which place the list is of; an admin picks it.
  const where = picker || h("p", { id: "place-name" }, "场所：", h("strong", {}, place.name));
  page(picker ? "今日预约" : `今日预约 · ${place.name}`,
    h("section", { class: "card" }, h("div", { class: "inline form" }, where, day), search),
    load, list, updated);
  document.getElementById("q").focus();
  await refresh();
  // No refresh while the clerk types into a field of the list (a proposed time).
  const typing = () => list.contains(document.activeElement) && document.activeElement.matches("input, select");
  const timer = setInterval(() => { if (!document.hidden && !typing()) refresh(); }, REFRESH_MS);
  return () => clearInterval(timer);
}
