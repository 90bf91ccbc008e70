// Alerts over the real protocols: the admin's webhook channel posts to an HTTP receiver (node:http) in this
// process, the email channel's mail reaches an SMTP server (smtp-server) in this process, on the port the
// app's SMTP_URL names (playwright.config.ts). Globex: the Acme specs count Acme's rows.
import { expect, test, type Locator, type Page } from "@playwright/test";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { DEMO, expectAccessible, screenshots, signIn, sql } from "./helpers";

const ADMIN = DEMO.globexAdmin;
const TAG = Date.now().toString(36);
const HOOK_NAME = `Pager ${TAG}`;
const MAIL_NAME = `On-call ${TAG}`;
const RECIPIENTS = [`oncall-${TAG}@globex.test`, `lead-${TAG}@globex.test`];

type Hook = { path: string; headers: IncomingHttpHeaders; body: string };
type WebhookBody = { id: string; event: string; organizationId: string; title: string; text: string; problem: { kind: string; subjectId: string; status: string } | null };
type Mail = { from: string; to: string[]; subject: string; text: string };
const hooks: Hook[] = [];
const mails: Mail[] = [];
let receiver: Server;
let smtp: SMTPServer;
let hookUrl: string;

/** The documented scheme (docs/alerts.md), written out here rather than imported from the app. */
function signatureVerifies(secret: string, body: string, header: string | string[] | undefined): boolean {
  const parts = Object.fromEntries(String(header ?? "").split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Subject and text/plain body of a message as nodemailer writes it (quoted-printable or base64 when needed). */
function parseMail(raw: string): { subject: string; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const header = (name: string) => new RegExp(`^${name}: *(.*)$`, "im").exec(head)?.[1] ?? "";
  const words = (v: string) =>
    v.replace(/=\?utf-8\?([qb])\?([^?]*)\?=\s*/gi, (_, enc: string, s: string) =>
      enc.toLowerCase() === "b" ? Buffer.from(s, "base64").toString("utf8") : qp(s.replace(/_/g, " ")),
    );
  const qp = (s: string) => Buffer.from(s.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
  const body = raw.slice(split + 4).replace(/\r\n\.\r\n$/, "");
  const encoding = header("Content-Transfer-Encoding").toLowerCase();
  const text = encoding === "quoted-printable" ? qp(body) : Buffer.from(body, encoding === "base64" ? "base64" : "latin1").toString("utf8");
  return { subject: words(header("Subject")).trim(), text: text.replace(/\r\n/g, "\n").trim() };
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hooks.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/atlas-alerts`;

  const smtpUrl = new URL(process.env.SMTP_URL!);
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, done) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString("latin1")));
      stream.on("end", () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), ...parseMail(raw) });
        done();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(Number(smtpUrl.port), smtpUrl.hostname, r));
});

// What the page looked like when a step timed out.
test.afterEach(async ({ page }, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) await page.screenshot({ path: testInfo.outputPath("failure.png"), fullPage: true }).catch(() => {});
});

test.afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
});

const channelOf = (page: Page, name: string): Locator => page.getByTestId("alert-channel").filter({ hasText: name });

async function channels() {
  return sql<{ id: string; kind: string; name: string; target: string; secret: string | null }>(
    `SELECT id, kind::text, name, target, secret FROM "AlertChannel" WHERE "organizationId" = $1 AND name IN ($2, $3)`,
    [ADMIN.orgId, HOOK_NAME, MAIL_NAME],
  );
}

async function deliveries(channelId: string, extra = "", values: unknown[] = []) {
  return sql<{ id: string; event: string; title: string; text: string; status: string; subjectId: string | null }>(
    `SELECT d.id, d.event, d.title, d.text, d.status::text, p."subjectId" FROM "AlertDelivery" d LEFT JOIN "AlertProblem" p ON p.id = d."problemId"
     WHERE d."channelId" = $1 ${extra} ORDER BY d."createdAt" DESC, d.id DESC`,
    [channelId, ...values],
  );
}

/** Every message queued so far has been attempted: what the receivers hold is all there will be. */
async function queueDrained() {
  await expect
    .poll(async () => (await sql<{ n: number }>(`SELECT count(*)::int n FROM "AlertDelivery" d JOIN "AlertChannel" c ON c.id = d."channelId" WHERE c."organizationId" = $1 AND d.status = 'PENDING'`, [ADMIN.orgId]))[0].n, { timeout: 30_000 })
    .toBe(0);
}

const hooksAbout = (subjectId: string, event: string) =>
  hooks.map((h) => ({ ...h, json: JSON.parse(h.body) as WebhookBody })).filter((h) => h.json.problem?.subjectId === subjectId && h.json.event === event);

/** An action's answer, in the page's message region (components/action-feedback.tsx). */
const said = (page: Page, text: string | RegExp) => page.getByRole("status").filter({ hasText: text });

async function checkNow(page: Page) {
  const before = (await sql<{ at: Date }>(`SELECT now() AS at`))[0].at;
  // The action's own response: the scan is over when it has arrived (the message may read as the last one did).
  const answered = page.waitForResponse((r) => r.request().method() === "POST" && Boolean(r.request().headers()["next-action"]), { timeout: 30_000 });
  await page.getByRole("button", { name: "Check now" }).click();
  expect((await answered).ok()).toBe(true);
  // What the page reports is what the scan did to the database.
  const [opened, resolved] = await Promise.all(
    ['"openedAt"', '"resolvedAt"'].map(async (column) => (await sql<{ n: number }>(`SELECT count(*)::int n FROM "AlertProblem" WHERE "organizationId" = $1 AND ${column} >= $2`, [ADMIN.orgId, before]))[0].n),
  );
  await expect(said(page, "Checked:")).toContainText(`Checked: ${opened} problem${opened === 1 ? "" : "s"} opened, ${resolved} resolved`);
  await queueDrained();
}

test("an admin adds a signed webhook and an email channel; each one's test message arrives", async ({ page }) => {
  await signIn(page, ADMIN.email);
  await page.goto("/alerts");
  const add = page.getByTestId("add-channel");

  await add.getByLabel("Kind").selectOption("WEBHOOK");
  await add.getByLabel("Name").fill(HOOK_NAME);
  await add.getByLabel("URL").fill(hookUrl);
  await add.getByRole("button", { name: "Add channel" }).click();
  await expect(said(page, `Channel "${HOOK_NAME}" added`)).toBeVisible();
  // The answer shows as the action returns; the form is reset (emptied) once the page has the new channel.
  await expect(channelOf(page, HOOK_NAME)).toBeVisible();
  await expect(add.getByLabel("Name")).toHaveValue("");

  await add.getByLabel("Kind").selectOption("EMAIL");
  await add.getByLabel("Name").fill(MAIL_NAME);
  await add.getByLabel("Email addresses").fill(RECIPIENTS.join(", "));
  await add.getByRole("button", { name: "Add channel" }).click();
  await expect(said(page, `Channel "${MAIL_NAME}" added`)).toBeVisible();
  await expect(channelOf(page, MAIL_NAME)).toBeVisible();

  const saved = await channels();
  const hook = saved.find((c) => c.kind === "WEBHOOK")!;
  const mail = saved.find((c) => c.kind === "EMAIL")!;
  expect(hook.target).toBe(hookUrl);
  expect(mail.target.split(/,\s*/)).toEqual(RECIPIENTS);
  // The signing secret is shown to the admin, and it is the one the app signs with.
  await expect(channelOf(page, HOOK_NAME).getByTestId("channel-secret")).toHaveText(hook.secret!);

  await channelOf(page, HOOK_NAME).getByRole("button", { name: "Send test" }).click();
  await expect(said(page, "Test message sent")).toBeVisible();
  await expect.poll(() => hooks.length).toBe(1);
  const [test] = await deliveries(hook.id, `AND d.event = 'test'`);
  const got = hooks[0];
  expect(got.path).toBe(new URL(hookUrl).pathname);
  expect(got.headers["content-type"]).toBe("application/json");
  expect(got.headers["x-atlas-event"]).toBe("test");
  expect(got.headers["x-atlas-delivery"]).toBe(test.id);
  expect(signatureVerifies(hook.secret!, got.body, got.headers["x-atlas-signature"])).toBe(true);
  // The check can fail: another body, or another secret, does not verify.
  expect(signatureVerifies(hook.secret!, got.body.replace("test", "tost"), got.headers["x-atlas-signature"])).toBe(false);
  expect(signatureVerifies(`${hook.secret}x`, got.body, got.headers["x-atlas-signature"])).toBe(false);
  expect(JSON.parse(got.body)).toMatchObject({ id: test.id, event: "test", organizationId: ADMIN.orgId, title: test.title, text: test.text, problem: null });

  await channelOf(page, MAIL_NAME).getByRole("button", { name: "Send test" }).click();
  await expect.poll(() => mails.length).toBe(1);
  const [mailTest] = await deliveries(mail.id, `AND d.event = 'test'`);
  expect(mails[0].to.sort()).toEqual([...RECIPIENTS].sort());
  expect(mails[0].from).toBe(/<(.*)>/.exec(process.env.SMTP_FROM!)![1]);
  expect(mails[0].subject).toBe(`[Atlas] ${mailTest.title}`);
  expect(mails[0].text).toBe(mailTest.text);

  await queueDrained();
  await page.reload();
  for (const [name, channel] of [[HOOK_NAME, hook], [MAIL_NAME, mail]] as const) {
    const rows = channelOf(page, name).getByTestId("delivery-row");
    const log = await deliveries(channel.id);
    expect(log.map((d) => [d.event, d.status])).toEqual([["test", "SENT"]]);
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(log[0].title);
    await expect(rows.first()).toContainText("Sent");
  }
});

test("a connection that expires is alerted once on each channel, and resolved once when its owner reconnects it", async ({ page }) => {
  test.setTimeout(120_000);
  const saved = await channels();
  const hook = saved.find((c) => c.kind === "WEBHOOK")!;
  const mail = saved.find((c) => c.kind === "EMAIL")!;
  // A connection of this organization that the other specs do not use (connect.spec.ts acts as Inès).
  const [connection] = await sql<{ id: string; connectionId: string; owner: string }>(
    `SELECT c.id, c."connectionId", u.email AS owner FROM "Connection" c JOIN "User" u ON u.id = c."userId"
     WHERE c."organizationId" = $1 AND c.status = 'ACTIVE' AND u.email <> 'ines@globex.test' ORDER BY c.id LIMIT 1`,
    [ADMIN.orgId],
  );
  expect(connection).toBeTruthy();

  // Whatever the demo data has open is alerted first; none of it is about this connection.
  await signIn(page, ADMIN.email);
  await page.goto("/alerts");
  await checkNow(page);
  expect(hooksAbout(connection.id, "opened")).toHaveLength(0);

  // Nango's refresh fails: its signed webhook expires the connection (the app's own path).
  const res = await fetch(`${process.env.NANGO_HOST}/_sandbox/connections/${connection.connectionId}/expire`, {
    method: "POST",
    headers: { Authorization: `Bearer ${process.env.NANGO_SECRET_KEY}`, "Content-Type": "application/json" },
    body: "{}",
  });
  expect(res.status, await res.text()).toBe(200);
  await expect.poll(async () => (await sql<{ status: string }>(`SELECT status::text FROM "Connection" WHERE id = $1`, [connection.id]))[0].status).toBe("EXPIRED");

  const mailsBefore = mails.length;
  await checkNow(page);
  await checkNow(page); // still open: no second message
  const [opened] = await deliveries(mail.id, `AND d.event = 'opened' AND p."subjectId" = $2`, [connection.id]);
  expect(opened.status).toBe("SENT");
  // The mail is told apart by its text, which names the account and its owner: no other delivery has it.
  expect(await deliveries(mail.id, `AND d.text = $2`, [opened.text])).toHaveLength(1);
  expect(opened.text).toContain(connection.owner);
  const openedHooks = hooksAbout(connection.id, "opened");
  expect(openedHooks).toHaveLength(1);
  expect(signatureVerifies(hook.secret!, openedHooks[0].body, openedHooks[0].headers["x-atlas-signature"])).toBe(true);
  expect(openedHooks[0].json).toMatchObject({ title: opened.title, text: opened.text, problem: { kind: "CONNECTION_BROKEN", status: "OPEN" } });
  const openedMails = mails.slice(mailsBefore).filter((m) => m.text === opened.text);
  expect(openedMails).toHaveLength(1);
  expect(openedMails[0].subject).toBe(`[Atlas] ${opened.title}`);
  expect(openedMails[0].to.sort()).toEqual([...RECIPIENTS].sort());
  await expect(page.getByTestId("open-problems")).toContainText(opened.text);

  // The owner reconnects it in Nango's popup.
  await signIn(page, connection.owner);
  await page.goto(`/connections/${connection.id}`);
  await page.getByRole("button", { name: /^Reconnect / }).click();
  await page.frameLocator("iframe").getByRole("button", { name: /^Authorize / }).click();
  await expect(page.getByTestId("connect-status")).toHaveAttribute("data-phase", "done");
  await expect.poll(async () => (await sql<{ status: string }>(`SELECT status::text FROM "Connection" WHERE id = $1`, [connection.id]))[0].status).toBe("ACTIVE");

  await signIn(page, ADMIN.email);
  await page.goto("/alerts");
  await checkNow(page);
  await checkNow(page); // resolved once
  const [resolved] = await deliveries(mail.id, `AND d.event = 'resolved' AND p."subjectId" = $2`, [connection.id]);
  expect(resolved.status).toBe("SENT");
  const resolvedHooks = hooksAbout(connection.id, "resolved");
  expect(resolvedHooks).toHaveLength(1);
  expect(signatureVerifies(hook.secret!, resolvedHooks[0].body, resolvedHooks[0].headers["x-atlas-signature"])).toBe(true);
  expect(resolvedHooks[0].json).toMatchObject({ title: resolved.title, text: resolved.text, problem: { kind: "CONNECTION_BROKEN", status: "RESOLVED" } });
  const resolvedMails = mails.slice(mailsBefore).filter((m) => m.text === resolved.text);
  expect(resolvedMails).toHaveLength(1);
  expect(resolvedMails[0].subject).toBe(`[Atlas] ${resolved.title}`);
  expect(resolvedMails[0].subject).toMatch(/Resolved/);
  // Still one of each, after everything.
  expect(hooksAbout(connection.id, "opened")).toHaveLength(1);
  expect(mails.filter((m) => m.text === opened.text)).toHaveLength(1);

  // The delivery log shows what was sent, newest first, as the database has it.
  await page.reload();
  await expect(page.getByTestId("open-problems")).toBeVisible(); // the demo's own problems stay open
  await expect(page.getByTestId("open-problems")).not.toContainText(opened.text);
  for (const [name, channel] of [[HOOK_NAME, hook], [MAIL_NAME, mail]] as const) {
    const rows = channelOf(page, name).getByTestId("delivery-row");
    const log = (await deliveries(channel.id)).slice(0, 20);
    await expect(rows).toHaveCount(log.length);
    for (const [i, d] of log.slice(0, 5).entries()) {
      await expect(rows.nth(i)).toContainText(d.title);
      await expect(rows.nth(i)).toContainText(d.status === "SENT" ? "Sent" : d.status.charAt(0) + d.status.slice(1).toLowerCase());
    }
    await expect(channelOf(page, name)).toContainText(resolved.text);
  }
  await expectAccessible(page);
  await screenshots(page, "alerts");
});
