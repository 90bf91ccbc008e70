// Alerts over the real protocols, locally: Slack and webhook channels post to an HTTP receiver (node:http),
// email goes through nodemailer to a real SMTP server in-process (smtp-server). PostgreSQL throughout; the
// retry test runs the deliveries through pg-boss.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import PgBoss from "pg-boss";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withAuditContext } from "@/lib/audit/record";
import { prisma } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { resumeSyncs } from "@/lib/nango/connections";
import { cancelSyncJob } from "@/lib/ops/sync-control";
import { registerAlertWorkers } from "@/lib/queue/alerts";
import { createConnection, createOrg, createSyncJob, createUser } from "@/lib/test/factory";
import { connectedUser, startHarness, waitFor, type Harness } from "@/lib/test/ingest-harness";
import { createChannel, sendTestMessage } from "./channels";
import { reconnectLinks } from "@/lib/ops/bulk";
import { setAlertSender } from "./dispatch";
import { reportProblem, resolveProblem } from "./problems";
import { checkProblemsNow, scanProblems } from "./scan";
import { saveAlertSettings } from "./settings";
import { verifySignature } from "./signature";

type Received = { path: string; headers: Record<string, string | string[] | undefined>; body: string };
const received: Received[] = [];
/** Paths that answer 500 this many more times. */
const failures = new Map<string, number>();
const mails: { to: string[]; raw: string }[] = [];
let http: Server;
let smtp: SMTPServer;
let base: string;

beforeAll(async () => {
  http = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      const left = failures.get(req.url ?? "") ?? 0;
      if (left > 0) failures.set(req.url ?? "", left - 1);
      res.writeHead(left > 0 ? 500 : 200, { "content-type": "text/plain" }).end(left > 0 ? "boom" : "ok");
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, done) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString()));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
  process.env.SMTP_URL = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  process.env.SMTP_FROM = "Atlas <alerts@atlas.test>";
});
afterAll(async () => {
  delete process.env.SMTP_URL;
  delete process.env.SMTP_FROM;
  await new Promise((r) => http.close(r));
  await new Promise<void>((r) => smtp.close(() => r()));
});

async function adminOrg() {
  const org = await createOrg();
  const user = await createUser(org.id, { role: "ADMIN" });
  const scope: Scope = { organizationId: org.id, userId: user.id, role: "ADMIN" };
  return { org, user, scope };
}
const at = (path: string) => received.filter((r) => r.path === path);
const mailsTo = (address: string) => mails.filter((m) => m.to.includes(address));

describe("one alert per problem, then one resolved message", () => {
  it("sends each channel exactly one opened and one resolved message, signed webhooks and real mail included", async () => {
    const { org, scope } = await adminOrg();
    const tag = randomUUID().slice(0, 8);
    await createChannel(scope, { kind: "SLACK", name: "Ops Slack", target: `${base}/slack/${tag}` });
    const hook = await createChannel(scope, { kind: "WEBHOOK", name: "Pager", target: `${base}/hook/${tag}` });
    await createChannel(scope, { kind: "EMAIL", name: "On-call", target: `oncall-${tag}@example.test` });
    const problem = { organizationId: org.id, kind: "CONNECTION_BROKEN" as const, subjectId: "conn-1", summary: "GitHub octocat is expired: the owner must reconnect it." };

    expect(await reportProblem(problem)).toBe(true);
    expect(await reportProblem(problem)).toBe(false); // still open: no second alert
    expect(await Promise.all([reportProblem(problem), reportProblem(problem)])).toEqual([false, false]);
    expect(at(`/slack/${tag}`)).toHaveLength(1);
    expect(at(`/hook/${tag}`)).toHaveLength(1);
    expect(mailsTo(`oncall-${tag}@example.test`)).toHaveLength(1);

    expect(JSON.parse(at(`/slack/${tag}`)[0]!.body)).toEqual({ text: expect.stringContaining("GitHub octocat is expired") });
    const delivery = at(`/hook/${tag}`)[0]!;
    expect(verifySignature(hook.secret!, delivery.body, delivery.headers["x-atlas-signature"] as string)).toBe(true);
    expect(verifySignature(hook.secret!, delivery.body + " ", delivery.headers["x-atlas-signature"] as string)).toBe(false);
    expect(verifySignature("whsec_other", delivery.body, delivery.headers["x-atlas-signature"] as string)).toBe(false);
    expect(delivery.headers).toMatchObject({ "x-atlas-event": "opened", "content-type": "application/json" });
    expect(JSON.parse(delivery.body)).toMatchObject({ event: "opened", organizationId: org.id, problem: { kind: "CONNECTION_BROKEN", subjectId: "conn-1", status: "OPEN" } });
    const mail = mailsTo(`oncall-${tag}@example.test`)[0]!.raw;
    expect(mail).toContain("Subject: [Atlas] Connection expired or in error");
    expect(mail).toContain("alerts@atlas.test");

    expect(await resolveProblem(org.id, "CONNECTION_BROKEN", "conn-1", "reconnected")).toBe(true);
    expect(await resolveProblem(org.id, "CONNECTION_BROKEN", "conn-1")).toBe(false);
    expect(at(`/slack/${tag}`)).toHaveLength(2);
    expect(JSON.parse(at(`/hook/${tag}`)[1]!.body)).toMatchObject({ event: "resolved", problem: { status: "RESOLVED" } });
    expect(mailsTo(`oncall-${tag}@example.test`)[1]!.raw).toContain("Subject: [Atlas] Resolved: Connection expired or in error");

    // The same problem again later is a new alert.
    expect(await reportProblem(problem)).toBe(true);
    expect(at(`/hook/${tag}`)).toHaveLength(3);
    const log = await prisma.alertDelivery.findMany({ where: { channel: { organizationId: org.id } } });
    expect(log).toHaveLength(9);
    expect(log.every((d) => d.status === "SENT" && d.attempts === 1)).toBe(true);
    // Channel changes are audited, without their URLs or secrets.
    const events = await prisma.auditEvent.findMany({ where: { organizationId: org.id } });
    expect(events.map((e) => e.action)).toEqual(["alerts.channel_created", "alerts.channel_created", "alerts.channel_created"]);
    expect(JSON.stringify(events)).not.toContain(hook.secret!);
  });

  it("refuses plain-http URLs other than localhost, and email without SMTP", async () => {
    const { scope } = await adminOrg();
    await expect(createChannel(scope, { kind: "SLACK", name: "x", target: "http://hooks.example.com/x" })).rejects.toThrow();
    const url = process.env.SMTP_URL;
    delete process.env.SMTP_URL;
    try {
      await expect(createChannel(scope, { kind: "EMAIL", name: "x", target: "a@example.test" })).rejects.toThrow(/SMTP_URL/);
    } finally {
      process.env.SMTP_URL = url;
    }
  });
});

describe("delivery through the queue", () => {
  let boss: PgBoss;
  const schema = `pgboss_alerts_${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  beforeAll(async () => {
    boss = new PgBoss({ connectionString: process.env.DATABASE_URL!, schema, schedule: false, maintenanceIntervalSeconds: 1 });
    await boss.start();
    await registerAlertWorkers(boss, { pollingIntervalSeconds: 0.5, schedule: false, retryLimit: 2, retryDelaySeconds: 1 });
  }, 60_000);
  afterAll(async () => {
    setAlertSender(null);
    await boss?.stop({ graceful: false, wait: true });
    await prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it("the test button's message is retried until the receiver takes it, and a dead receiver ends FAILED with its error", async () => {
    const { scope } = await adminOrg();
    const tag = randomUUID().slice(0, 8);
    failures.set(`/flaky/${tag}`, 2);
    failures.set(`/dead/${tag}`, 1000);
    const flaky = await createChannel(scope, { kind: "WEBHOOK", name: "Flaky", target: `${base}/flaky/${tag}` });
    const dead = await createChannel(scope, { kind: "SLACK", name: "Dead", target: `${base}/dead/${tag}` });
    const ok = await sendTestMessage(scope, flaky.id);
    const ko = await sendTestMessage(scope, dead.id);
    const sent = await waitFor(async () => {
      const d = await prisma.alertDelivery.findUniqueOrThrow({ where: { id: ok } });
      return d.status === "SENT" ? d : undefined;
    }, "the flaky delivery to be sent", 30_000);
    expect(sent).toMatchObject({ attempts: 3, event: "test", lastError: null });
    expect(at(`/flaky/${tag}`)).toHaveLength(3);
    const failed = await waitFor(async () => {
      const d = await prisma.alertDelivery.findUniqueOrThrow({ where: { id: ko } });
      return d.status === "FAILED" ? d : undefined;
    }, "the dead delivery to fail", 30_000);
    expect(failed).toMatchObject({ attempts: 3, lastError: expect.stringContaining("answered 500") });
  }, 60_000);
});

describe("a burst of alerts through the queue", () => {
  let boss: PgBoss;
  const schema = `pgboss_burst_${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  const interval = 2; // the workers' default polling interval
  beforeAll(async () => {
    boss = new PgBoss({ connectionString: process.env.DATABASE_URL!, schema, schedule: false });
    await boss.start();
    await registerAlertWorkers(boss, { pollingIntervalSeconds: interval, schedule: false });
  }, 60_000);
  afterAll(async () => {
    setAlertSender(null);
    await boss?.stop({ graceful: false, wait: true });
    await prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it("is sent at the receiver's pace, not one message per polling interval", async () => {
    const { scope } = await adminOrg();
    const tag = randomUUID().slice(0, 8);
    const channel = await createChannel(scope, { kind: "WEBHOOK", name: "Burst", target: `${base}/burst/${tag}` });
    const count = 10;
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await sendTestMessage(scope, channel.id));
    await waitFor(async () => ((await prisma.alertDelivery.count({ where: { id: { in: ids }, status: "SENT" } })) === count ? true : undefined), "the burst to be sent", 60_000);
    // One per interval would take (count - 1) * interval seconds.
    expect(Date.now() - started).toBeLessThan(((count - 1) * interval * 1000) / 2);
    expect(at(`/burst/${tag}`)).toHaveLength(count);
  }, 90_000);
});

describe("the problem scan", () => {
  it("opens and resolves expired connections, failure streaks and stalled syncs from the state of things", async () => {
    const { org, user, scope } = await adminOrg();
    const tag = randomUUID().slice(0, 8);
    await createChannel(scope, { kind: "WEBHOOK", name: "Hook", target: `${base}/scan/${tag}` });
    const expired = await createConnection(user, { status: "EXPIRED", metadata: { accountName: "octo", lastError: { message: "Token expired", code: "TOKEN_EXPIRED" } } });
    const failing = await createConnection(user, { provider: "NOTION" });
    for (let i = 0; i < 3; i++) await createSyncJob(failing.id, { status: "FAILED", startedAt: new Date(Date.now() - (10 - i) * 60_000) });
    const stuck = await createSyncJob(failing.id, { status: "IN_PROGRESS", startedAt: new Date(Date.now() - 3 * 3_600_000) });
    await prisma.syncJob.update({ where: { id: stuck.id }, data: { progressAt: stuck.startedAt } });
    const events = () => at(`/scan/${tag}`).map((r) => JSON.parse(r.body) as { event: string; problem: { kind: string; subjectId: string } });

    expect(await scanProblems({ organizationId: org.id })).toEqual({ opened: 3, resolved: 0, autoPaused: 0 });
    expect(events().map((e) => `${e.event} ${e.problem.kind} ${e.problem.subjectId}`).sort()).toEqual(
      [`opened CONNECTION_BROKEN ${expired.id}`, `opened FAILURE_STREAK ${failing.id}`, `opened STALLED_SYNC ${stuck.id}`].sort(),
    );
    expect(await scanProblems({ organizationId: org.id })).toEqual({ opened: 0, resolved: 0, autoPaused: 0 });

    await prisma.connection.update({ where: { id: expired.id }, data: { status: "ACTIVE" } });
    await createSyncJob(failing.id, { status: "COMPLETED" });
    // Cancelling resolves its stalled-sync problem at once; the scan resolves the other two.
    await withAuditContext({ userId: user.id, label: user.email }, () => cancelSyncJob(scope, stuck.id));
    expect(events().filter((e) => e.event === "resolved").map((e) => e.problem.kind)).toEqual(["STALLED_SYNC"]);
    expect(await scanProblems({ organizationId: org.id })).toEqual({ opened: 0, resolved: 2, autoPaused: 0 });
    expect(events().filter((e) => e.event === "resolved")).toHaveLength(3);
  });
});

describe("check now (the Alerts page's button)", () => {
  it("scans the admin's own organization only, and is refused to members", async () => {
    const mine = await adminOrg();
    const theirs = await adminOrg();
    const tag = randomUUID().slice(0, 8);
    await createChannel(mine.scope, { kind: "WEBHOOK", name: "Hook", target: `${base}/now/${tag}` });
    const expired = await createConnection(mine.user, { status: "EXPIRED" });
    const elsewhere = await createConnection(theirs.user, { status: "EXPIRED" });
    const member = await createUser(mine.org.id, { role: "MEMBER" });

    await expect(checkProblemsNow({ organizationId: mine.org.id, userId: member.id, role: "MEMBER" })).rejects.toThrow(/administrators/);
    expect(await prisma.alertProblem.count({ where: { subjectId: { in: [expired.id, elsewhere.id] } } })).toBe(0);

    expect(await checkProblemsNow(mine.scope)).toEqual({ opened: 1, resolved: 0, autoPaused: 0 });
    expect(at(`/now/${tag}`).map((r) => (JSON.parse(r.body) as { problem: { subjectId: string } }).problem.subjectId)).toEqual([expired.id]);
    expect(await prisma.alertProblem.count({ where: { subjectId: elsewhere.id } })).toBe(0);
  });
});

describe("auto-pause", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(async () => h?.stop());

  it("is off by default; once set, pauses through Nango after N failures in a row, says why, alerts, and counts afresh after a resume", async () => {
    const { org, user, connection, scope } = await connectedUser(h, { role: "ADMIN" });
    const tag = randomUUID().slice(0, 8);
    await createChannel(scope, { kind: "WEBHOOK", name: "Hook", target: `${base}/pause/${tag}` });
    for (let i = 0; i < 4; i++) await createSyncJob(connection.id, { status: "FAILED", startedAt: new Date(Date.now() - (10 - i) * 60_000) });

    expect(await scanProblems({ organizationId: org.id })).toMatchObject({ autoPaused: 0 });
    await withAuditContext({ userId: user.id, label: user.email }, () => saveAlertSettings(scope, { failureStreak: "3", autoPauseAfter: "4" }));
    expect(await scanProblems({ organizationId: org.id })).toMatchObject({ autoPaused: 1 });
    expect(await scanProblems({ organizationId: org.id })).toMatchObject({ autoPaused: 0 });

    const paused = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(paused.metadata).toMatchObject({ syncsPausedAt: expect.any(String), syncsPausedReason: expect.stringContaining("after 4 failed syncs in a row") });
    const audit = await prisma.auditEvent.findMany({ where: { organizationId: org.id }, orderBy: { at: "asc" } });
    expect(audit.map((e) => [e.action, e.actorLabel])).toEqual([
      ["connection.connected", `Ada <${user.email}>`],
      ["alerts.channel_created", "Atlas"],
      ["alerts.settings_changed", user.email],
      ["connection.auto_paused", "Atlas"],
    ]);
    const kinds = at(`/pause/${tag}`).map((r) => (JSON.parse(r.body) as { event: string; problem: { kind: string } }).problem.kind);
    expect(kinds.sort()).toEqual(["AUTO_PAUSED", "FAILURE_STREAK"]);

    await resumeSyncs(scope, connection.id);
    expect(await scanProblems({ organizationId: org.id })).toEqual({ opened: 0, resolved: 1, autoPaused: 0 });
    // The old failures do not pause it again; new ones would.
    expect(await scanProblems({ organizationId: org.id })).toMatchObject({ autoPaused: 0 });
    expect((await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).metadata).not.toHaveProperty("syncsPausedAt");
  });

  it("makes a reconnect link for every expired connection of a provider and mails each owner theirs", async () => {
    const { org, connection, scope, user } = await connectedUser(h, { role: "ADMIN" });
    const other = await connectedUser(h, { org });
    const active = await connectedUser(h, { org });
    await prisma.connection.updateMany({ where: { id: { in: [connection.id, other.connection.id] } }, data: { status: "EXPIRED" } });
    const r = await reconnectLinks(scope, "GITHUB", { email: true });
    expect(r.links.map((l) => l.connectionId).sort()).toEqual([connection.id, other.connection.id].sort());
    expect(r.links.every((l) => l.link.includes("session_token=nango_connect_session_"))).toBe(true);
    expect(r.emailed).toBe(2);
    for (const [email, id] of [[user.email, connection.id], [other.user.email, other.connection.id]] as const) {
      const got = mailsTo(email);
      expect(got).toHaveLength(1);
      expect(got[0]!.raw).toContain("Reconnect your Github account");
      expect(got[0]!.raw.replace(/=\r?\n/g, "")).toContain(r.links.find((l) => l.connectionId === id)!.link.slice(-20));
    }
    expect(mailsTo(active.user.email)).toHaveLength(0);
  });
});
