// The console's only way to the server: the public API, with the staff member's bearer
// token. Tokens live in sessionStorage, so closing the tab signs out.
const KEY = "minzheng.console.tokens";

export class ApiError extends Error {
  constructor(status, problem) {
    super(describe(problem));
    this.status = status;
    this.problem = problem;
    this.code = problem && problem.code;
  }
}

/** The Chinese message of a problem+json answer, with its field messages. */
export function describe(problem) {
  if (!problem) return "服务器没有回应，请稍后再试。";
  const head = problem.detail || problem.title || "操作失败";
  const fields = (problem.errors || []).map((e) => e.message || e.reason).filter(Boolean);
  const text = fields.length ? `${head}（${fields.join("；")}）` : head;
  return problem.code ? `${text} [${problem.code}]` : text;
}

export function tokens() {
  try { return JSON.parse(sessionStorage.getItem(KEY)); } catch { return null; }
}

export function keep(t) {
  if (t) sessionStorage.setItem(KEY, JSON.stringify({ access: t.access_token, refresh: t.refresh_token }));
  else sessionStorage.removeItem(KEY);
}

async function send(method, path, body, token, extra) {
  const headers = { "Accept": "application/json", "Accept-Language": "zh-CN", ...(extra || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  try {
    return await fetch(path, { method, headers, body: payload, credentials: "omit" });
  } catch {
    throw new ApiError(0, { title: "无法连接服务器，请检查网络后重试。", code: "network" });
  }
}

// A refresh token works once: parallel 401s share one refresh.
let refreshing = null;
async function refresh() {
  const t = tokens();
  if (!t) return false;
  refreshing ??= send("POST", "/api/v1/auth/staff/tokens", { refresh_token: t.refresh })
    .then(async (res) => {
      if (!res.ok) { keep(null); return false; }
      keep(await res.json());
      return true;
    })
    .finally(() => { refreshing = null; });
  return refreshing;
}

// 401 answers that mean "the session is gone", as opposed to a wrong password or code.
const SESSION_GONE = ["auth.unauthenticated", "auth.session_ended", "auth.refresh_invalid"];

async function problemOf(res) {
  try { return await res.clone().json(); } catch { return null; }
}

/** Calls the API; `raw` gives the Response (files), otherwise the parsed JSON. */
export async function call(method, path, body, { raw = false, headers } = {}) {
  let res = await send(method, path, body, tokens()?.access, headers);
  let problem = res.status === 401 ? await problemOf(res) : null;
  if (problem && SESSION_GONE.includes(problem.code) && tokens() && await refresh()) {
    res = await send(method, path, body, tokens()?.access, headers);
    problem = res.status === 401 ? await problemOf(res) : null;
  }
  if (problem && SESSION_GONE.includes(problem.code)) {
    keep(null);
    window.dispatchEvent(new Event("console:signed-out"));
  }
  if (!res.ok) {
    problem ??= await problemOf(res);
    throw new ApiError(res.status, problem || { title: `服务器错误（${res.status}）` });
  }
  if (raw) return res;
  if (res.status === 204) return null;
  return res.json();
}

/** A GET. A paged list the caller does not page itself (no `limit` or `cursor` in the
 *  path) is followed to its end: day sheets and queues are shown whole. */
export async function get(path) {
  const first = await call("GET", path);
  if (/[?&](limit|cursor)=/.test(path) || !first || !Array.isArray(first.items)) return first;
  const items = [...first.items];
  let cursor = first.next_cursor;
  for (let pages = 1; cursor && pages < 100; pages++) {
    const page = await call("GET", `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  }
  return { ...first, items, next_cursor: null };
}
// A retried click must not act twice: every POST carries its own key. (randomUUID needs a
// secure context, which a desk PC on the intranet over plain HTTP is not.)
function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
export const post = (path, body = {}) => call("POST", path, body, { headers: { "Idempotency-Key": idempotencyKey() } });
export const put = (path, body) => call("PUT", path, body);
export const del = (path) => call("DELETE", path);

/** A file from the API (images need the bearer token, so no plain src). */
export async function fetchBlob(path) {
  const res = await call("GET", path, undefined, { raw: true });
  return res.blob();
}

/** A file from the API as an object URL. */
export async function blobUrl(path) {
  return URL.createObjectURL(await fetchBlob(path));
}
