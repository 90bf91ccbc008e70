// Disconnect with removal: the connection's episodes leave the graph by uuid and the ledger keeps nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { setIngestionQueue } from "@/lib/nango/ingestion";
import { connectedUser, startHarness, syncAndDeliver, type Harness } from "@/lib/test/ingest-harness";
import { graphIdFor } from "@/lib/zep";
import { NotFoundError } from "@/lib/errors";
import { listGraphRecords } from "./graph-records";
import { connectionKnowledgeCount, knowledgeBeingRemoved, removeConnectionKnowledge } from "./removal";
import { runSyncJob } from "./sync-job";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  setIngestionQueue(async () => {});
});
afterAll(async () => {
  setIngestionQueue(null);
  await h?.stop();
});

describe("removeConnectionKnowledge", () => {
  it("leaves no episode of the connection in the graph and nothing in the ledger; other connections' knowledge stays", async () => {
    const a = await connectedUser(h, { role: "ADMIN", projectId: "shared" });
    const b = await connectedUser(h, { org: a.org, projectId: "shared" });
    for (const c of [a, b]) {
      const { job } = await syncAndDeliver(h, c.nangoConnectionId, { added: 30 });
      expect(await runSyncJob(job.id, { zep: { client: h.zepClient } })).toMatchObject({ outcome: "COMPLETED" });
    }
    const graphId = graphIdFor(a.org.id, "shared");
    const of = (c: string) => h.zep.episodes(graphId).filter((e) => e.metadata?.connectionId === c);
    expect(of(a.nangoConnectionId)).toHaveLength(30);
    expect(await connectionKnowledgeCount(a.nangoConnectionId)).toBe(30);

    // "Records in the graph": the owner and admins browse them; another member does not.
    const browsed = await listGraphRecords(a.scope, a.connection.id, { pageSize: 10 });
    expect(browsed.counts).toEqual({ WRITTEN: 30 });
    expect(browsed.rows).toHaveLength(10);
    expect(browsed.rows[0]).toMatchObject({ status: "WRITTEN", episodes: 1, url: expect.stringMatching(/^https:\/\/github\.com\//), title: expect.stringContaining("GitHub issue") });
    expect((await listGraphRecords(a.scope, a.connection.id, { cursor: browsed.nextCursor!, pageSize: 25 })).rows).toHaveLength(20);
    await expect(listGraphRecords(b.scope, a.connection.id)).rejects.toBeInstanceOf(NotFoundError);

    // Disconnected (the row goes first), its ledger rows are what the removal has left to do.
    expect(await knowledgeBeingRemoved(a.org.id)).toBe(0);
    await prisma.connection.delete({ where: { id: a.connection.id } });
    expect(await knowledgeBeingRemoved(a.org.id)).toBe(30);

    const progress: number[] = [];
    const done = await removeConnectionKnowledge(a.nangoConnectionId, { zep: { client: h.zepClient }, pageSize: 7, onProgress: (p) => void progress.push(p.remaining) });
    expect(done).toEqual({ removedRecords: 30, removedEpisodes: 30, remaining: 0 });
    expect(progress).toEqual([23, 16, 9, 2, 0]);
    expect(of(a.nangoConnectionId)).toEqual([]);
    expect(await prisma.graphWrite.count({ where: { connectionId: a.nangoConnectionId } })).toBe(0);
    expect(await knowledgeBeingRemoved(a.org.id)).toBe(0);
    // The other connection's episodes and ledger rows are untouched.
    expect(of(b.nangoConnectionId)).toHaveLength(30);
    expect(await connectionKnowledgeCount(b.nangoConnectionId)).toBe(30);
    // Running it again (a retried job) has nothing left to do.
    expect(await removeConnectionKnowledge(a.nangoConnectionId, { zep: { client: h.zepClient } })).toEqual({ removedRecords: 0, removedEpisodes: 0, remaining: 0 });
  });
});
