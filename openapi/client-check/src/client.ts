// A mini-program-style client of the Minzheng API: one typed client made from the committed
// contract types, walking what the mini-program and the desk console do. scripts/client-check
// compiles it with `tsc --strict` and runs it against a fresh server on loopback.
//
// Usage: node build/client.js BASE_URL DATA_DIR
//   (or MINZHENG_BASE_URL and MINZHENG_DATA_DIR). DATA_DIR is the server's data folder: the
//   emailed codes are read from DATA_DIR/mail/*.eml (the dev mail sink) and the first admin
//   password from the start-up banner in DATA_DIR/server.log (or MINZHENG_ADMIN_PASSWORD).
//   The server must be fresh: the seeded admin still has its first password.
import { createHmac, randomInt, randomUUID } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import createClient from "openapi-fetch";
import type { paths } from "../../minzheng-api.d.ts";

const baseUrl = process.argv[2] ?? process.env.MINZHENG_BASE_URL ?? "";
const dataDir = process.argv[3] ?? process.env.MINZHENG_DATA_DIR ?? "";
if (!baseUrl || !dataDir) {
  console.error("usage: node build/client.js BASE_URL DATA_DIR");
  process.exit(2);
}

const api = createClient<paths>({ baseUrl });

// ---- the client's small helpers ---------------------------------------------------------

/** The headers of a signed-in caller. */
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
/** A fresh Idempotency-Key: one per user action (a retry would reuse it). */
const once = () => ({ "Idempotency-Key": randomUUID() });

let passed = 0;
let skipped = 0;

/** Awaits one call, checks its status, lets `check` look at the answer, prints one line. */
async function step<D>(
  title: string,
  status: number,
  call: Promise<{ data?: D; error?: unknown; response: Response }>,
  check: (data: D) => string,
): Promise<D> {
  const { data, error, response } = await call;
  if (response.status !== status || data === undefined) {
    throw new Error(`${title}: expected ${status}, got ${response.status} ${JSON.stringify(error ?? data)}`);
  }
  const detail = check(data);
  passed += 1;
  console.log(`ok ${passed} - ${title}: ${detail}`);
  return data;
}

/** Like `step`, for answers without a body (204). */
async function stepNoContent(
  title: string,
  call: Promise<{ error?: unknown; response: Response }>,
): Promise<void> {
  const { error, response } = await call;
  if (response.status !== 204) {
    throw new Error(`${title}: expected 204, got ${response.status} ${JSON.stringify(error)}`);
  }
  passed += 1;
  console.log(`ok ${passed} - ${title}: 204`);
}

/** A person as request bodies name them (the name and ID number on the card). */
const named = ({ name, id_number }: { name: string; id_number: string }) => ({ name, id_number });

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`expected ${what}`);
}

/** Today (or `days` later) in Beijing, `YYYY-MM-DD` (China keeps UTC+8 all year). */
function beijingDate(days = 0): string {
  return new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

/** A valid GB 11643 ID number: area 110112 (通州), a birth date, an odd sequence for a man. */
function idNumber(birth: string, male: boolean): string {
  const first17 = `110112${birth}${String(randomInt(50)).padStart(2, "0")}${randomInt(5) * 2 + (male ? 1 : 0)}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * (weights[i] ?? 0), 0);
  return first17 + "10X98765432"[sum % 11];
}

/** The current RFC 6238 code of a base32 secret (HMAC-SHA1, 30 s, 6 digits). */
function totp(secret: string): string {
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) {
    bits += "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".indexOf(c).toString(2).padStart(5, "0");
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** The 6-digit code of the newest email to `to` in the dev mail folder (waits up to 5 s). */
async function emailedCode(to: string, since: number): Promise<string> {
  const dir = join(dataDir, "mail");
  for (let tries = 0; tries < 50; tries += 1) {
    const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith(".eml"));
    for (const file of files) {
      if ((await stat(join(dir, file))).mtimeMs < since) continue;
      const raw = (await readFile(join(dir, file), "utf8")).replace(/\r\n/g, "\n");
      const split = raw.indexOf("\n\n");
      const [headers, body] = [raw.slice(0, split), raw.slice(split + 2)];
      if (!new RegExp(`^To:.*${to.replace(/[.+]/g, "\\$&")}`, "mi").test(headers)) continue;
      const text = /content-transfer-encoding:\s*base64/i.test(headers)
        ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
        : body.replace(/=\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      const code = /\b\d{6}\b/.exec(text)?.[0];
      if (code) return code;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no sign-in code for ${to} in ${dir}`);
}

// ---- the flows --------------------------------------------------------------------------

/** Mini-program sign-in by emailed code: ask for a code, read it, trade it for tokens. */
async function citizenSignIn(email: string) {
  const asked = Date.now() - 1000;
  await step("ask for an emailed code", 202,
    api.POST("/api/v1/auth/citizen/email-codes", { body: { email } }),
    (sent) => (expect(sent.expires_in > 0, "a code that lives"), `${email}, valid ${sent.expires_in}s`));
  const code = await emailedCode(email, asked);
  const tokens = await step("sign in with the code", 200,
    api.POST("/api/v1/auth/citizen/email/sessions", { body: { email, code } }),
    (t) => (expect(t.token_type === "Bearer" && t.access_token.length > 0, "a bearer token"), `token lives ${t.expires_in}s`));
  const me = await step("who am I", 200,
    api.GET("/api/v1/auth/citizen/me", { headers: bearer(tokens.access_token) }),
    (m) => (expect(m.email === email, "my email"), `account ${m.id}`));
  return { token: tokens.access_token, id: me.id };
}

/** Binds the citizen's real name (unverified until a desk or a face check verifies it). */
async function bindRealName(token: string, name: string, id_number: string) {
  await step(`bind the real name ${name}`, 200,
    api.POST("/api/v1/identity/real-name", {
      params: { header: once() }, headers: bearer(token), body: { name, id_number },
    }),
    (r) => (expect(r.status === "unverified" && r.id_number_masked.includes("****"), "a masked, unverified binding"),
      `${r.name_masked} ${r.id_number_masked} ${r.status}`));
}

/** Console sign-in: password, then whatever `pending_step` asks (password change, TOTP). */
async function staffSignIn(username: string, password: string, newPassword: string) {
  const tokens = await step(`staff ${username} signs in`, 200,
    api.POST("/api/v1/auth/staff/sessions", { body: { username, password } }),
    (t) => `pending step ${t.pending_step ?? "none"}`);
  const token = tokens.access_token;
  let pending = tokens.pending_step;
  while (pending) {
    if (pending === "password_change") {
      await stepNoContent(`${username} changes the first password`,
        api.POST("/api/v1/auth/staff/password", {
          params: { header: once() }, headers: bearer(token),
          body: { current_password: password, new_password: newPassword },
        }));
    } else if (pending === "totp_setup") {
      const setup = await step(`${username} sets up TOTP`, 200,
        api.POST("/api/v1/auth/staff/totp", { params: { header: once() }, headers: bearer(token) }),
        (s) => (expect(s.otpauth_url.startsWith("otpauth://"), "an otpauth URL"), "secret received"));
      await stepNoContent(`${username} confirms TOTP`,
        api.POST("/api/v1/auth/staff/totp/confirm", {
          params: { header: once() }, headers: bearer(token), body: { code: totp(setup.secret) },
        }));
    } else {
      throw new Error(`unknown pending_step ${pending}`);
    }
    const me = await step(`${username}: what is still owed`, 200,
      api.GET("/api/v1/auth/staff/me", { headers: bearer(token) }),
      (m) => `pending step ${m.pending_step ?? "none"}`);
    pending = me.pending_step;
  }
  return token;
}

/** The first admin password, from the server's start-up banner. */
async function firstAdminPassword(): Promise<string> {
  if (process.env.MINZHENG_ADMIN_PASSWORD) return process.env.MINZHENG_ADMIN_PASSWORD;
  const log = await readFile(join(dataDir, "server.log"), "utf8");
  const found = /username `admin`, password `([^`]+)`/.exec(log)?.[1];
  if (!found) throw new Error("no first admin password in the server's start-up banner");
  return found;
}

async function main() {
  const suffix = randomUUID().slice(0, 8);
  const he = { name: "张伟", id_number: idNumber("19900101", true), email: `he-${suffix}@example.com` };
  const she = { name: "李娜", id_number: idNumber("19920304", false), email: `she-${suffix}@example.com` };

  // Two citizens sign in on their phones and bind their real names.
  const hisAccount = await citizenSignIn(he.email);
  const herAccount = await citizenSignIn(she.email);
  await bindRealName(hisAccount.token, he.name, he.id_number);
  await bindRealName(herAccount.token, she.name, she.id_number);

  // The console: the seeded admin's first sign-in, then a clerk for the desk of the demo
  // office (slots around the clock, bookable the same day, so the couple is checked in today).
  const admin = await staffSignIn("admin", await firstAdminPassword(), "Kestrel-river-passphrase-2026");
  const office = "marriage-demo";
  const created = await step("the admin creates a desk clerk", 201,
    api.POST("/api/v1/staff-accounts", {
      params: { header: once() }, headers: bearer(admin),
      body: { username: `desk.${suffix}`, display_name: "窗口一号", role: "clerk", scope_kind: "office", scope_id: office },
    }),
    (c) => (expect(c.account.must_change_password && c.first_password.length > 0, "a first password to change"),
      c.account.username));
  const clerk = await staffSignIn(created.account.username, created.first_password, "Heron-lake-passphrase-2026");

  // At the desk the clerk sees both ID cards and verifies the real names.
  for (const { person, account } of [{ person: he, account: hisAccount }, { person: she, account: herAccount }]) {
    await step(`the clerk verifies ${person.name} in person`, 200,
      api.POST("/api/v1/identity/real-names/in-person-checks", {
        params: { header: once() }, headers: bearer(clerk),
        body: { citizen_id: account.id, name: person.name, id_number: person.id_number },
      }),
      (r) => (expect(r.status === "verified" && r.verified_by === "in_person", "verified in person"),
        `${r.name_masked} ${r.status}`));
  }

  // Marriage registration: the offices, a day's availability, the booking, her confirmation.
  await step("list the marriage offices", 200,
    api.GET("/api/v1/resources", { params: { query: { kind: "marriage_office" } } }),
    (list) => (expect(list.items.some((r) => r.id === office), `${office} among the offices`),
      list.items.map((r) => r.id).join(", ")));
  const today = beijingDate();
  const availability = await step(`read ${office}'s availability today and tomorrow`, 200,
    api.GET("/api/v1/resources/{id}/availability", {
      params: { path: { id: office }, query: { business_type: "marriage", from: today, to: beijingDate(1) } },
    }),
    (a) => (expect(a.days.length === 2 && a.days[0]?.date === today, "two days from today"),
      a.days.map((d) => `${d.date} ${d.state}, ${d.slots.filter((s) => s.bookable).length} slots bookable`).join("; ")));
  // Slots around the clock: today has one left except in its last slot (then tomorrow's first).
  const day = availability.days.find((d) => d.slots.some((s) => s.bookable));
  const slot = day?.slots.find((s) => s.bookable);
  if (!day || !slot) throw new Error(`no bookable slot at ${office} today or tomorrow`);
  const booked = await step("book a marriage appointment for both", 201,
    api.POST("/api/v1/marriage/appointments", {
      params: { header: once() }, headers: bearer(hisAccount.token),
      body: {
        office_id: office, business_type: "marriage", slot_id: slot.slot_id,
        parties: [he, she].map(named),
      },
    }),
    (a) => (expect(a.status === "pending_confirmation" && a.parties[1]?.confirmed === false, "her confirmation pending"),
      `${a.code} on ${a.date} at ${a.starts_at}, ${a.status}`));
  await step("she confirms the appointment on her phone", 200,
    api.POST("/api/v1/marriage/appointments/{id}/confirm", {
      params: { path: { id: booked.id }, header: once() }, headers: bearer(herAccount.token),
    }),
    (a) => (expect(a.status === "confirmed" && a.parties.every((p) => p.confirmed), "both parties confirmed"), a.status));

  // A tomb visit (预约祭扫) for the two of them and his father, on the first open day.
  const cemeteries = await step("list the cemeteries", 200,
    api.GET("/api/v1/resources", { params: { query: { kind: "cemetery" } } }),
    (list) => (expect(list.items.length > 0, "a cemetery"), list.items.map((r) => r.id).join(", ")));
  const cemetery = cemeteries.items[0]?.id;
  if (!cemetery) throw new Error("no cemetery");
  const visitDays = await step(`read ${cemetery}'s visit availability`, 200,
    api.GET("/api/v1/resources/{id}/availability", {
      params: { path: { id: cemetery }, query: { business_type: "visit", from: beijingDate(2), to: beijingDate(6) } },
    }),
    (a) => (expect(a.days.length === 5, "five days"), a.days.map((d) => `${d.date} ${d.state}`).join("; ")));
  const visitSlot = visitDays.days.flatMap((d) => d.slots).find((s) => s.bookable && s.remaining >= 3);
  if (!visitSlot) throw new Error(`no visit slot at ${cemetery}`);
  await step("reserve a tomb visit for three", 201,
    api.POST("/api/v1/tomb-visits", {
      params: { header: once() }, headers: bearer(hisAccount.token),
      body: {
        cemetery_id: cemetery, slot_id: visitSlot.slot_id, grave: { section: "A", row: "3", number: "12" },
        visitors: [he, she, { name: "张建国", id_number: idNumber("19600101", true) }].map(named),
        plates: ["京A12345"],
      },
    }),
    (v) => (expect(v.status === "booked" && v.persons === 3 && v.qr_content.endsWith(v.code), "one code for three"),
      `${v.code} ${v.grave} ${v.starts_at}`));

  // An application draft with a photo of a material.
  const catalogue = await step("read the service catalogue", 200,
    api.GET("/api/v1/services"),
    (list) => (expect(list.items.length > 0, "services"), `${list.items.length} services`));
  const service = catalogue.items.find((s) => s.definition.materials.some((m) => m.required));
  const material = service?.definition.materials.find((m) => m.required);
  if (!service || !material) throw new Error("no service asks for a material");
  const draft = await step(`start a draft of ${service.code}`, 201,
    api.POST("/api/v1/applications", {
      params: { header: once() }, headers: bearer(hisAccount.token), body: { service_code: service.code },
    }),
    (a) => (expect(a.status === "draft" && a.allowed_actions.includes("submit"), "a draft that can be submitted"),
      `${a.service_name} ${a.status}`));
  const photo = await step("upload a photo", 201,
    api.POST("/api/v1/media", {
      headers: bearer(hisAccount.token),
      // As wx.uploadFile sends it: multipart with the file in `file`. The contract types
      // `file` as a string (format: binary), so the typed body carries the file name and the
      // serializer puts the bytes in.
      body: { file: "photo.png", purpose: "application_material" },
      bodySerializer: (body) => {
        const form = new FormData();
        form.append("file", new Blob([PNG], { type: "image/png" }), body.file);
        form.append("purpose", body.purpose ?? "document");
        return form;
      },
    }),
    (m) => (expect(m.content_type === "image/png" && m.sha256.length === 64, "a stored PNG"),
      `${m.id} ${m.width}x${m.height}`));
  await step(`attach it as ${material.code}`, 201,
    api.POST("/api/v1/applications/{id}/materials", {
      params: { path: { id: draft.id }, header: once() }, headers: bearer(hisAccount.token),
      body: { material_code: material.code, media_id: photo.id },
    }),
    (m) => (expect(m.media_id === photo.id, "the uploaded photo"), m.url));
  await step("read the draft back", 200,
    api.GET("/api/v1/applications/{id}", { params: { path: { id: draft.id } }, headers: bearer(hisAccount.token) }),
    (a) => (expect(a.status === "draft" && a.materials.some((m) => m.media_id === photo.id), "the photo in the draft"),
      `${a.materials.length} material(s)`));

  // The desk: scan the code, check the couple in (on the appointment's day only).
  await step("the clerk looks the code up", 200,
    api.GET("/api/v1/desk/marriage/lookup", { params: { query: { q: booked.qr_content } }, headers: bearer(clerk) }),
    (found) => (expect(found.items[0]?.id === booked.id, "the appointment"), `${found.items.length} found`));
  if (booked.date !== today) {
    skipped += 1;
    console.log(`# skipped: desk check-in (no slot left today at ${office}; booked for ${booked.date})`);
  } else {
    await step("the clerk checks the couple in", 200,
      api.POST("/api/v1/desk/marriage/appointments/{id}/check-in", {
        params: { path: { id: booked.id }, header: once() }, headers: bearer(clerk),
      }),
      (a) => (expect(a.status === "checked_in", "checked in"), a.status));
  }
}

/** A 1×1 PNG: enough for the server to sniff, re-encode and thumbnail. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC", "base64");

main().then(
  () => console.log(`client-check: ${passed} passed, 0 failed${skipped ? `, ${skipped} skipped` : ""}`),
  (e: unknown) => {
    console.log(`not ok ${passed + 1} - ${e instanceof Error ? e.message : String(e)}`);
    console.log(`client-check: ${passed} passed, 1 failed`);
    process.exitCode = 1;
  },
);
