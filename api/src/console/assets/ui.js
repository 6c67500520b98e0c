// Small DOM helpers: elements are built node by node (text never goes through innerHTML,
// so nothing a citizen typed can run as markup).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Shows a message for everyone (and screen readers); errors stay until the next action. */
let said = 0;
export function say(text, ok = false) {
  const box = document.getElementById("message");
  const mine = ++said;
  // Emptied first and filled a frame later, so that screen readers announce the same
  // message again (a second failed check-in) and a box that was just unhidden.
  box.textContent = "";
  box.className = ok ? "ok" : "";
  box.hidden = !text;
  if (text) requestAnimationFrame(() => { if (mine === said) box.textContent = text; });
}

export function clear() { say(""); }

/**
 * Runs an action from a button (or a load, without one): the button is disabled while it
 * runs, an error is shown in Chinese. Only a new action clears the last message, so that a
 * reload after a success does not hide it.
 */
export async function act(button, work, done) {
  if (button) {
    button.disabled = true;
    clear();
  }
  try {
    const result = await work();
    if (done) say(done, true);
    return result;
  } catch (e) {
    say(e.message || String(e));
    return undefined;
  } finally {
    if (button && button.isConnected) button.disabled = false;
  }
}

/** Replaces the page body; the heading gets focus so keyboard and screen reader users land there. */
export function page(title, ...content) {
  const main = document.getElementById("main");
  const heading = h("h1", { tabindex: "-1" }, title);
  main.replaceChildren(heading, ...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
  document.title = `${title} · 民政业务工作台`;
  heading.focus();
  return main;
}

export function table(columns, rows, empty = "没有记录") {
  if (!rows.length) return h("p", { class: "muted" }, empty);
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.title)))),
      h("tbody", {}, rows.map((r) => h("tr", { dataset: { id: r.id ?? "" } },
        columns.map((c) => h("td", { class: c.class }, c.cell(r))))))));
}

const STATUS = {
  confirmed: "已确认", pending_confirmation: "待对方确认", checked_in: "已签到", completed: "已办结",
  no_show: "未到", cancelled: "已取消", booked: "已预约", expired: "已过期", pending: "待确认",
  done: "已完成", draft: "草稿", submitted: "已提交", under_review: "审核中",
  supplement_requested: "待补正", returned: "已退回", awaiting_approval: "待区级审批", draw: "摇号", approved: "已批准",
  rejected: "不予批准", withdrawn: "已撤回", certified: "已认证", due: "待认证", overdue: "已逾期",
  exempt: "暂缓", stopped: "已停止", closed: "不开放", open: "开放", special: "特殊安排",
  not_open_yet: "尚未放号", past: "已过去",
};

export function statusLabel(s) { return STATUS[s] || s; }

export function status(s) { return h("span", { class: `status ${s}` }, statusLabel(s)); }

/** Today in Beijing, as YYYY-MM-DD. */
export function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
}

export function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A timestamp in Beijing time, `MM-DD HH:MM`. */
export function time(iso) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false }).format(new Date(iso));
}

export function clock(iso) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit",
    hour12: false }).format(new Date(iso));
}

/** Values of a form's named fields. */
export function values(form) {
  return Object.fromEntries(new FormData(form).entries());
}
