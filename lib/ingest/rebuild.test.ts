// Rebuilding a connection's knowledge from Nango, against both sandboxes: all records are read again, the
// ledger skips what the graph holds, changes and deletions upstream are applied, a cancel stops at a page
// boundary with the ledger consistent, and only admins may start it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { ForbiddenError } from "@/lib/errors";
import { setIngestionQueue } from "@/lib/nango/ingestion";
import { connectedUser, duplicateKeys, startHarness, syncAndDeliver, type Harness } from "@/lib/test/ingest-harness";
import { graphIdFor } from "@/lib/zep";
import { activeRebuildsByProject, cancelRebuild, latestRebuild, runRebuild, setRebuildSender, startProjectRebuild, startRebuild } from "./rebuild";
import { runSyncJob } from "./sync-job";

let h: Harness;
const sent: string[] = [];
beforeAll(async () => {
  h = await startHarness();
  setIngestionQueue(async () => {});
  // The queue's place: the test runs the rebuilds itself.
  setRebuildSender(async (id) => void sent.push(id));
});
afterAll(async () => {
  setIngestionQueue(null);
  setRebuildSender(null);
  await h?.stop();
});

/** An admin's connection in its own organization, synced with `n` records into the graph. */
async function synced(n: number) {
  const c = await connectedUser(h, { role: "ADMIN" });
  const { job } = await syncAndDeliver(h, c.nangoConnectionId, { added: n });
  expect(await runSyncJob(job.id, { zep: { client: h.zepClient } })).toMatchObject({ outcome: "COMPLETED", recordsProcessed: n });
  const graphId = graphIdFor(c.org.id, "default");
  const episodes = () => h.zep.episodes(graphId).filter((e) => e.metadata?.connectionId === c.nangoConnectionId);
  const adds = () => h.zep.requests(graphId).filter((r) => r.method === "POST" && r.path.endsWith("/api/v2/graph") && r.status === 202).length;
  const uuids = () => episodes().map((e) => e.uuid).sort();
  return { ...c, graphId, episodes, adds, uuids };
}

const run = (id: string, extra: Parameters<typeof runRebuild>[1] = {}) => runRebuild(id, { zep: { client: h.zepClient }, ...extra });

describe("rebuilding a connection", () => {
  it("of a graph that lost nothing writes nothing: every record is skipped", async () => {
    const c = await synced(25);
    const before = { adds: c.adds(), uuids: c.uuids() };
    const { rebuild, joined } = await startRebuild(c.scope, c.connection.id);
    expect(joined).toBe(false);
    expect(sent).toContain(rebuild.id);
    expect(rebuild).toMatchObject({ status: "PENDING", projectKey: "default" });

    const done = await run(rebuild.id, { pageSize: 10 });
    expect(done).toEqual({ outcome: "COMPLETED", counts: { pages: 3, records: 25, written: 0, skipped: 25, deleted: 0, failed: 0 } });
    expect({ adds: c.adds(), uuids: c.uuids() }).toEqual(before);
    expect(await latestRebuild(c.scope, c.connection.id)).toMatchObject({ status: "COMPLETED", records: 25, skipped: 25, written: 0, finishedAt: expect.any(String) });
    // Finished: no longer active, and the trail says who started it and that Atlas finished it.
    expect(await prisma.knowledgeRebuild.findUniqueOrThrow({ where: { id: rebuild.id } })).toMatchObject({ activeKey: null, attempts: 1 });
    const audit = await prisma.auditEvent.findMany({ where: { organizationId: c.org.id, action: { startsWith: "knowledge.rebuild" } }, orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([
      ["knowledge.rebuild_started", null],
      ["knowledge.rebuild_finished", null],
    ]);
    // Running the finished rebuild's job again does nothing.
    expect(await run(rebuild.id)).toMatchObject({ outcome: "SKIPPED" });
  });

  it("after records changed upstream writes exactly the changed ones, and removes the episodes of a record deleted upstream", async () => {
    const c = await synced(20);
    // Upstream changes whose sync webhook never reached Atlas: only a rebuild can find them.
    const upstream = await h.nango.simulateSync(c.nangoConnectionId, { updated: 3, deleted: 2 });
    const changed = upstream.records.updated;
    const gone = upstream.records.deleted;
    expect(changed).toHaveLength(3);
    expect(gone).toHaveLength(2);
    const goneUuids = (await prisma.graphWrite.findMany({ where: { connectionId: c.nangoConnectionId, recordId: { in: gone } } })).flatMap((r) => r.episodeUuids);
    expect(goneUuids).toHaveLength(2);
    const adds = c.adds();

    const { rebuild } = await startRebuild(c.scope, c.connection.id);
    const done = await run(rebuild.id, { pageSize: 10 });
    expect(done).toEqual({ outcome: "COMPLETED", counts: { pages: 2, records: 20, written: 3, skipped: 15, deleted: 2, failed: 0 } });
    // Exactly the three changed records were sent again; each replaced its earlier episode.
    expect(c.adds() - adds).toBe(3);
    const rows = await prisma.graphWrite.findMany({ where: { connectionId: c.nangoConnectionId } });
    const byStatus = (s: string) => rows.filter((r) => r.status === s).map((r) => r.recordId).sort();
    expect(byStatus("DELETED")).toEqual([...gone].sort());
    expect(byStatus("WRITTEN")).toHaveLength(18);
    expect(byStatus("PENDING")).toEqual([]);
    const episodes = c.episodes();
    expect(episodes).toHaveLength(18);
    expect(episodes.some((e) => goneUuids.includes(e.uuid))).toBe(false);
    for (const id of changed) expect(episodes.filter((e) => e.metadata?.recordId === id)).toHaveLength(1);
    expect(duplicateKeys(h, c.graphId)).toEqual([]);
  });

  it("stops at a page boundary when cancelled, leaves the ledger consistent, and a new rebuild does the rest", async () => {
    const c = await synced(60);
    await h.nango.simulateSync(c.nangoConnectionId, { updated: 60 });
    const adds = c.adds();
    const { rebuild } = await startRebuild(c.scope, c.connection.id);
    const done = await run(rebuild.id, {
      pageSize: 10,
      onPage: async (pages) => {
        if (pages === 2) await cancelRebuild(c.scope, rebuild.id);
      },
    });
    // The cancel lands while page 2 is checkpointed; page 3 may already be on its way (the next page's records
    // are sent while the one before is completed), and finishes. No page after it is sent.
    expect(done.outcome).toBe("CANCELLED");
    const n = (done as { counts: { records: number } }).counts.records;
    expect([20, 30]).toContain(n);
    expect(done).toEqual({ outcome: "CANCELLED", counts: { pages: n / 10, records: n, written: n, skipped: 0, deleted: 0, failed: 0 } });
    expect(c.adds() - adds).toBe(n);
    const row = await prisma.knowledgeRebuild.findUniqueOrThrow({ where: { id: rebuild.id } });
    expect(row).toMatchObject({ status: "CANCELLED", activeKey: null, pages: n / 10, records: n, written: n });
    // Every row of the ledger is complete: none PENDING, each naming the one episode in the graph.
    const rows = await prisma.graphWrite.findMany({ where: { connectionId: c.nangoConnectionId } });
    expect(rows.filter((r) => r.status !== "WRITTEN")).toEqual([]);
    const inGraph = new Set(c.episodes().map((e) => e.uuid));
    expect(inGraph.size).toBe(60);
    expect(rows.every((r) => r.episodeUuids.length === 1 && inGraph.has(r.episodeUuids[0]!))).toBe(true);
    // Cancelling it again is refused; a new rebuild writes only the records not done, and skips those done.
    await expect(cancelRebuild(c.scope, rebuild.id)).rejects.toThrow(/already cancelled/);
    const again = await startRebuild(c.scope, c.connection.id);
    expect(again.joined).toBe(false);
    expect(await run(again.rebuild.id, { pageSize: 10 })).toMatchObject({ outcome: "COMPLETED", counts: { records: 60, written: 60 - n, skipped: n } });
    expect(c.adds() - adds).toBe(60);
    expect(c.episodes()).toHaveLength(60);
    expect(duplicateKeys(h, c.graphId)).toEqual([]);
    const trail = await prisma.auditEvent.findMany({ where: { organizationId: c.org.id, action: "knowledge.rebuild_cancelled" } });
    expect(trail).toHaveLength(1);
  });

  it("is safe to repeat: asking again while one is queued or running joins it", async () => {
    const c = await synced(5);
    const first = await startRebuild(c.scope, c.connection.id);
    const [second, third] = await Promise.all([startRebuild(c.scope, c.connection.id), startRebuild(c.scope, c.connection.id)]);
    expect([second.joined, third.joined]).toEqual([true, true]);
    expect(second.rebuild.id).toBe(first.rebuild.id);
    expect(third.rebuild.id).toBe(first.rebuild.id);
    expect(await prisma.knowledgeRebuild.count({ where: { connectionId: c.connection.id } })).toBe(1);
    // The database refuses a second active rebuild of the connection, whoever writes it.
    await expect(
      prisma.knowledgeRebuild.create({ data: { organizationId: c.org.id, connectionId: c.connection.id, projectKey: "default", activeKey: c.connection.id } }),
    ).rejects.toThrow();
    expect(await activeRebuildsByProject(c.scope)).toEqual({ default: { connections: 1, records: 0, written: 0, skipped: 0, deleted: 0, failed: 0 } });
    await run(first.rebuild.id);
    expect(await activeRebuildsByProject(c.scope)).toEqual({});
  });

  it("of a project rebuilds each of its connections, one after the other under the graph's lock", async () => {
    const a = await connectedUser(h, { role: "ADMIN", projectId: "research" });
    const b = await connectedUser(h, { org: a.org, projectId: "research" });
    const other = await connectedUser(h, { org: a.org });
    for (const c of [a, b, other]) {
      const { job } = await syncAndDeliver(h, c.nangoConnectionId, { added: 4 });
      await runSyncJob(job.id, { zep: { client: h.zepClient } });
    }
    expect(await startProjectRebuild(a.scope, "research")).toEqual({ started: 2, joined: 0 });
    const rebuilds = await prisma.knowledgeRebuild.findMany({ where: { organizationId: a.org.id } });
    expect(rebuilds.map((r) => r.connectionId).sort()).toEqual([a.connection.id, b.connection.id].sort());
    for (const r of rebuilds) expect(await run(r.id)).toMatchObject({ outcome: "COMPLETED", counts: { records: 4, skipped: 4 } });
    await expect(startProjectRebuild(a.scope, "nope")).rejects.toThrow(/no longer exists/);
  });

  it("is for admins only: a member can neither start, cancel nor see one", async () => {
    const admin = await synced(3);
    const member = await connectedUser(h, { org: admin.org, role: "MEMBER" });
    await expect(startRebuild(member.scope, member.connection.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(startProjectRebuild(member.scope, "default")).rejects.toBeInstanceOf(ForbiddenError);
    expect(await prisma.knowledgeRebuild.count({ where: { organizationId: admin.org.id } })).toBe(0);
    const { rebuild } = await startRebuild(admin.scope, admin.connection.id);
    await expect(cancelRebuild(member.scope, rebuild.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(latestRebuild(member.scope, member.connection.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await prisma.knowledgeRebuild.findUniqueOrThrow({ where: { id: rebuild.id } })).status).toBe("PENDING");
    // Another organization's admin does not find the connection.
    const stranger = await connectedUser(h, { role: "ADMIN" });
    await expect(startRebuild(stranger.scope, admin.connection.id)).rejects.toThrow(/no longer exists/);
    await expect(cancelRebuild(stranger.scope, rebuild.id)).rejects.toThrow(/no longer exists/);
  });
});
