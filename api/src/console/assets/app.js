// The console's shell: sign-in, the menu for the staff member's role, and a hash router.
import { call, get, post, keep, tokens } from "./api.js";
import { h, page, say, clear, act, values } from "./ui.js";
import { desk } from "./desk.js";
import { queue, application } from "./review.js";
import { calendar, staffAccounts, certification, statistics } from "./admin.js";

const VIEWS = {
  desk: { label: "今日预约", roles: ["clerk", "admin"], show: desk },
  review: { label: "审核队列", roles: ["reviewer", "approver", "admin"], show: queue },
  calendar: { label: "日历与号源", roles: ["admin"], show: calendar },
  staff: { label: "工作人员", roles: ["admin"], show: staffAccounts },
  certification: { label: "生存认证", roles: ["reviewer", "approver", "admin"], show: certification },
  stats: { label: "统计", roles: ["approver", "admin"], show: statistics },
};

const ROLE = { clerk: "窗口人员", reviewer: "审核人员", approver: "审批人员", admin: "管理员" };

let me = null;
let stopView = null;
// Each route() call gets a number; a view that finishes loading after a newer route started
// is stopped at once, so no stale page or timer survives.
let generation = 0;
let totpSetup = null; // the secret being set up, kept across re-renders until confirmed

function stopCurrent() {
  generation += 1;
  if (stopView) { stopView(); stopView = null; }
}

function allowed() {
  return Object.entries(VIEWS).filter(([, v]) => v.roles.includes(me.role));
}

function menu() {
  const nav = document.getElementById("nav");
  const current = location.hash.slice(2).split("/")[0];
  const ready = me && !me.pending_step;
  nav.replaceChildren(...(ready ? allowed().map(([key, v]) =>
    h("a", { href: `#/${key}`, "aria-current": key === current ? "page" : null }, v.label)) : []));
  document.getElementById("who").textContent = me ? `${me.display_name}（${ROLE[me.role] || me.role}）` : "";
  document.getElementById("logout").hidden = !me;
}

async function route() {
  stopCurrent();
  const mine = generation;
  clear();
  if (!tokens()) return signIn();
  if (!me) {
    try { me = await get("/api/v1/auth/staff/me"); } catch (e) { if (!tokens()) return signIn(); say(e.message); return; }
    if (mine !== generation) return;
  }
  showParts();
  if (me.pending_step === "password_change") return changePassword();
  if (me.pending_step === "totp_setup") return setUpTotp();
  const [key, ...rest] = location.hash.slice(2).split("/");
  const views = allowed();
  const view = VIEWS[key] && VIEWS[key].roles.includes(me.role) ? VIEWS[key] : null;
  if (!view) {
    location.hash = `#/${views[0][0]}`; // hashchange routes again
    return;
  }
  menu();
  // A view may return a function that stops its timers when the page changes.
  const stop = key === "review" && rest[0] ? await application(me, rest[0]) : await view.show(me, rest);
  if (typeof stop !== "function") return;
  if (mine === generation) stopView = stop;
  else stop();
}

const PART = { face_comparison: "窗口人脸比对", wechat: "微信", faceid: "腾讯云人脸核身", email: "邮件通知" };
let partsShown = false;

/// Says once which optional parts of this server are off (a build without face
/// comparison, WeChat not configured), so a desk knows before trying.
async function showParts() {
  if (partsShown) return;
  partsShown = true;
  const ready = await fetch("/readyz").then((r) => r.json()).catch(() => null);
  const off = (ready && ready.parts || []).filter((p) => !p.on);
  const box = document.getElementById("parts");
  box.textContent = off.length ? `本服务未启用：${off.map((p) => `${PART[p.name] || p.name}（${p.reason}）`).join("；")}` : "";
  box.hidden = !off.length;
}

function signIn() {
  me = null;
  menu();
  const form = h("form", { class: "stack card", id: "sign-in" },
    h("label", {}, "用户名", h("input", { name: "username", autocomplete: "username", required: true })),
    h("label", {}, "密码", h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("label", {}, "动态验证码（已开启两步验证时填写）",
      h("input", { name: "totp_code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}" })),
    h("button", { class: "primary", type: "submit" }, "登录"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = values(form);
    const body = { username: v.username.trim(), password: v.password };
    if (v.totp_code) body.totp_code = v.totp_code.trim();
    const t = await act(form.querySelector("button"), () => call("POST", "/api/v1/auth/staff/sessions", body));
    if (!t) return;
    keep(t);
    route();
  });
  page("工作人员登录", h("section", { class: "card" }, form));
  form.querySelector("input").focus();
}

function changePassword() {
  menu();
  const form = h("form", { class: "stack" },
    h("label", {}, "当前密码", h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true })),
    h("label", {}, "新密码（至少 12 位）", h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true, minlength: "12", maxlength: "128", "aria-describedby": "password-rules" })),
    // The rules up front, not only in a refusal (the server checks the same: auth/password.rs).
    h("p", { id: "password-rules", class: "hint" }, "密码 12 到 128 个字符；不能是常见密码或同一字符重复，不能包含用户名。"),
    h("button", { class: "primary", type: "submit" }, "修改密码"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const ok = await act(form.querySelector("button"), () => post("/api/v1/auth/staff/password", values(form)).then(() => true));
    if (ok) signOut("密码已修改，请用新密码重新登录。");
  });
  page("首次登录请修改密码", h("section", { class: "card" }, form));
}

async function setUpTotp() {
  menu();
  totpSetup ??= await act(null, () => post("/api/v1/auth/staff/totp", {}));
  const setup = totpSetup;
  if (!setup) return;
  const form = h("form", { class: "stack" },
    h("p", {}, "在手机的身份验证器中手动添加以下密钥，再输入它显示的 6 位数字。"),
    h("p", {}, h("code", { id: "totp-secret" }, setup.secret)),
    h("label", {}, "动态验证码", h("input", { name: "code", inputmode: "numeric", required: true, pattern: "[0-9]{6}" })),
    h("button", { class: "primary", type: "submit" }, "完成设置"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const ok = await act(form.querySelector("button"), () => post("/api/v1/auth/staff/totp/confirm", values(form)).then(() => true));
    if (ok) { totpSetup = null; signOut("两步验证已开启，请用动态验证码重新登录。"); }
  });
  page("设置两步验证", h("section", { class: "card" }, form));
}

function signOutLocally(message, ok = true) {
  stopCurrent();
  keep(null);
  me = null;
  totpSetup = null;
  signIn();
  if (message) say(message, ok);
}

/** Ends the session on the server too, then here. */
async function signOut(message) {
  try { await post("/api/v1/auth/staff/logout", {}); } catch { /* signed out anyway */ }
  signOutLocally(message);
}

document.getElementById("logout").addEventListener("click", () => signOut("已退出。"));

window.addEventListener("console:signed-out", () => signOutLocally("登录已过期，请重新登录。", false));
// Only "#/..." hashes are pages; others (the skip link's "#main") are in-page jumps.
window.addEventListener("hashchange", () => { if (!location.hash || location.hash.startsWith("#/")) route(); });

// Font size: A−/A+ step the root size; kept for the next visit.
const SIZES = [100, 112.5, 125, 150, 175, 200];
function applySize(i) {
  document.documentElement.style.fontSize = `${SIZES[i]}%`;
  localStorage.setItem("minzheng.console.size", String(i));
}
let size = Number(localStorage.getItem("minzheng.console.size") ?? 1);
if (!(size in SIZES)) size = 1;
applySize(size);
document.getElementById("smaller").addEventListener("click", () => applySize(size = Math.max(0, size - 1)));
document.getElementById("larger").addEventListener("click", () => applySize(size = Math.min(SIZES.length - 1, size + 1)));

route();

// The skip link moves the focus without touching the hash (the router owns "#/...").
document.querySelector(".skip").addEventListener("click", (e) => {
  e.preventDefault();
  document.getElementById("main").focus();
});
