// The CSV exports on the real database: the same rows as the pages for the same filters (every page of them),
// scoped like the pages (members: their own; never another organization's), and audited.
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { connectionBatches, listConnections, parseConnectionFilters } from "@/lib/dashboard/connections";
import { loadSyncHistory, parseSyncFilters, syncJobBatches } from "@/lib/dashboard/sync-history";
import { createConnection, createOrg, createSyncJob, createUser } from "@/lib/test/factory";
import { connectionsCsv, CONNECTION_COLUMNS, SYNC_COLUMNS, syncHistoryCsv, type Exporter } from "./exports";

const exporterOf = (u: { id: string; organizationId: string; role: "ADMIN" | "MEMBER"; name: string | null; email: string }): Exporter => ({
  userId: u.id,
  organizationId: u.organizationId,
  role: u.role,
  name: u.name,
  email: u.email,
});

async function csvOf(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
  const rows: string[][] = parse(await response.text(), { bom: true });
  return { header: rows[0], rows: rows.slice(1) };
}

async function setup() {
  const org = await createOrg();
  const admin = await createUser(org.id, { role: "ADMIN", name: "Admin" });
  const member = await createUser(org.id, { name: "Member" });
  const day = (d: number) => new Date(Date.UTC(2026, 10, d, 12));
  const mine = await createConnection(member, { provider: "NOTION", metadata: { accountName: "=HYPERLINK(\"http://x\")", projectId: "research" }, lastSyncAt: day(3) });
  const adminsGithub = await createConnection(admin, { provider: "GITHUB", status: "ERROR", metadata: { accountName: "acme, inc", syncsPausedAt: "2026-11-02T00:00:00.000Z", lastError: { code: "RATE_LIMIT", message: "slow" } }, lastSyncAt: day(2) });
  const never = await createConnection(admin, { provider: "SLACK", metadata: { accountName: "team\nspace" } });
  const jobs = [];
  for (let d = 1; d <= 5; d++) {
    jobs.push(await createSyncJob(mine.id, { status: d % 2 ? "COMPLETED" : "FAILED", startedAt: day(d), ...(d % 2 ? {} : { errors: [{ code: "RATE_LIMIT", message: "slow, \"down\"" }] }) }));
    jobs.push(await createSyncJob(adminsGithub.id, { status: d === 5 ? "FAILED" : "COMPLETED", startedAt: day(d), ...(d === 5 ? { errors: [{ code: "TOKEN_EXPIRED", message: "-1 tokens" }] } : {}) }));
  }
  // Another organization, with an owner of the same name and a job on the same days: never in these exports.
  const other = await createOrg();
  const stranger = await createUser(other.id, { role: "ADMIN", name: "Member" });
  const theirs = await createConnection(stranger, { provider: "NOTION", lastSyncAt: day(3) });
  await createSyncJob(theirs.id, { status: "FAILED", startedAt: day(2), errors: [{ code: "RATE_LIMIT", message: "slow" }] });
  return { admin: exporterOf(admin), member: exporterOf(member), mine, adminsGithub, never, jobs, theirs };
}

/** Every page of the Connections list for these params, as ids in the page's order. */
async function pagedConnectionIds(viewer: Exporter, params: Record<string, string>) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listConnections(viewer, parseConnectionFilters({ ...params, ...(cursor ? { cursor } : {}) }));
    ids.push(...page.rows.map((r) => r.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

async function pagedJobIds(viewer: Exporter, params: Record<string, string>) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await loadSyncHistory(viewer, parseSyncFilters({ ...params, ...(cursor ? { cursor } : {}) }));
    ids.push(...page.jobs.map((j) => j.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

async function batchedIds<T extends { id: string }>(batches: AsyncIterable<T[]>) {
  const ids: string[] = [];
  for await (const batch of batches) ids.push(...batch.map((r) => r.id));
  return ids;
}

describe("connections export", () => {
  it("writes the columns an admin reads, CSV-quoted, with account names that look like formulas defused", async () => {
    const s = await setup();
    const { header, rows } = await csvOf(await connectionsCsv(s.admin, {}));
    expect(header).toEqual(CONNECTION_COLUMNS);
    const byId = new Map(rows.map((r) => [r[0], r]));
    expect([...byId.keys()].sort()).toEqual([s.mine.id, s.adminsGithub.id, s.never.id].sort());
    expect(byId.get(s.adminsGithub.id)).toEqual([
      s.adminsGithub.id,
      "GITHUB",
      "acme, inc",
      expect.stringContaining("@example.test"),
      "default",
      "ERROR",
      "yes",
      s.adminsGithub.createdAt.toISOString(),
      "2026-11-02T12:00:00.000Z",
      "FAILED", // its latest job (day 5)
      "RATE_LIMIT",
    ]);
    expect(byId.get(s.mine.id)!.slice(2, 7)).toEqual([`'=HYPERLINK("http://x")`, expect.any(String), "research", "ACTIVE", "no"]);
    expect(byId.get(s.never.id)!.slice(8, 11)).toEqual(["", "", ""]);
    expect(byId.get(s.never.id)![2]).toBe("team\nspace");
  });

  it("lists exactly the page's rows, in its order, across pages and batches, for each filter", async () => {
    const s = await setup();
    const owner = { id: s.admin.userId, organizationId: s.admin.organizationId };
    for (let i = 0; i < 30; i++) await createConnection(owner, { provider: i % 2 ? "JIRA" : "GITHUB", lastSyncAt: i % 3 ? new Date(Date.UTC(2026, 9, 1 + i)) : undefined });
    const filters: Record<string, string>[] = [{}, { provider: "GITHUB" }, { syncs: "never" }, { syncs: "paused" }, { status: "ERROR" }, { q: "acme" }, { sort: "created" }, { owner: s.member.userId }, { provider: "bogus", status: "nope" }];
    for (const params of filters) {
      const paged = await pagedConnectionIds(s.admin, params);
      // Batches of 4 cross the keyset boundary many times, also inside runs of equal (null) last-sync times.
      expect(await batchedIds(connectionBatches(s.admin, parseConnectionFilters(params), 4)), JSON.stringify(params)).toEqual(paged);
      const { rows } = await csvOf(await connectionsCsv(s.admin, params));
      expect(rows.map((r) => r[0]), JSON.stringify(params)).toEqual(paged);
    }
  });

  it("a member's export holds only their own connections, whatever the owner filter says", async () => {
    const s = await setup();
    for (const params of [{}, { owner: s.admin.userId }, { q: "acme" }] as Record<string, string>[]) {
      const { rows } = await csvOf(await connectionsCsv(s.member, params));
      expect(rows.map((r) => r[0])).toEqual(params.q ? [] : [s.mine.id]);
    }
    const { rows } = await csvOf(await connectionsCsv(s.admin, { provider: "NOTION" }));
    expect(rows.map((r) => r[0])).toEqual([s.mine.id]); // not the other organization's NOTION connection
  });

  it("records who exported and with which filters", async () => {
    const s = await setup();
    await (await connectionsCsv(s.member, { provider: "NOTION", cursor: "abc", junk: "1" })).text();
    const event = await prisma.auditEvent.findFirstOrThrow({ where: { organizationId: s.member.organizationId, action: "connection.exported" } });
    expect(event).toMatchObject({ actorId: s.member.userId, actorLabel: `Member <${s.member.email}>`, details: { filters: { provider: "NOTION", sort: "lastSync" } } });
  });
});

describe("sync history export", () => {
  it("writes every job with its connection, owner, counts, times and errors", async () => {
    const s = await setup();
    const { header, rows } = await csvOf(await syncHistoryCsv(s.admin, { code: "TOKEN_EXPIRED" }));
    expect(header).toEqual(SYNC_COLUMNS);
    const job = s.jobs[9];
    expect(rows).toEqual([[job.id, job.syncId, s.adminsGithub.id, "acme, inc", "GITHUB", expect.stringContaining("@example.test"), "FAILED", "no", "", "0", "2026-11-05T12:00:00.000Z", "", "", "TOKEN_EXPIRED", "'-1 tokens"]]);
  });

  it("lists exactly the page's jobs, newest first, across pages and batches, for each filter", async () => {
    const s = await setup();
    for (let i = 0; i < 45; i++) await createSyncJob(s.never.id, { status: "COMPLETED", startedAt: new Date(Date.UTC(2026, 10, 1 + (i % 3), 8)) });
    const filters: Record<string, string>[] = [{}, { status: "FAILED" }, { code: "RATE_LIMIT" }, { connection: s.mine.id }, { owner: s.member.userId }, { provider: "SLACK" }, { from: "2026-11-02", to: "2026-11-03" }, { from: "2026-11-04", to: "2026-11-02" }, { status: "STALLED" }, { from: "2026-02-30" }];
    for (const params of filters) {
      const paged = await pagedJobIds(s.admin, params);
      expect(await batchedIds(syncJobBatches(s.admin, parseSyncFilters(params), 7)), JSON.stringify(params)).toEqual(paged);
      const { rows } = await csvOf(await syncHistoryCsv(s.admin, params));
      expect(rows.map((r) => r[0]), JSON.stringify(params)).toEqual(paged);
    }
    expect((await pagedJobIds(s.admin, {})).length).toBe(55);
  });

  it("a member's export holds only their own connections' jobs; another organization's never appear", async () => {
    const s = await setup();
    const mineIds = s.jobs.filter((j) => j.connectionId === s.mine.id).map((j) => j.id);
    const { rows } = await csvOf(await syncHistoryCsv(s.member, {}));
    expect(rows.map((r) => r[0]).sort()).toEqual(mineIds.sort());
    // Naming another person's connection, or another organization's, finds nothing.
    expect((await csvOf(await syncHistoryCsv(s.member, { connection: s.adminsGithub.id }))).rows).toEqual([]);
    expect((await csvOf(await syncHistoryCsv(s.admin, { connection: s.theirs.id }))).rows).toEqual([]);
    const all = await csvOf(await syncHistoryCsv(s.admin, { code: "RATE_LIMIT" }));
    expect(all.rows.every((r) => r[2] !== s.theirs.id)).toBe(true);
    expect(all.rows).toHaveLength(2);
  });
});
