// Knowledge search over graphs filled by real ingestion runs (runSyncJob, no queue): tenancy, project
// visibility and the provenance of each result.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { runSyncJob } from "@/lib/ingest/sync-job";
import { NotFoundError } from "@/lib/errors";
import { createProject } from "@/lib/projects";
import { createUser } from "@/lib/test/factory";
import { connectedUser, startHarness, syncAndDeliver, type Harness } from "@/lib/test/ingest-harness";
import { graphIdFor } from "@/lib/zep";
import { setIngestionQueue } from "@/lib/nango/ingestion";
import { searchKnowledge } from "./search";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // Jobs stay PENDING for the direct runSyncJob calls below (no worker, no fallback completion).
  setIngestionQueue(async () => {});
});
afterAll(async () => {
  setIngestionQueue(null);
  await h?.stop();
});

async function ingest(nangoConnectionId: string, added: number) {
  const { job } = await syncAndDeliver(h, nangoConnectionId, { added });
  const result = await runSyncJob(job.id, { zep: { client: h.zepClient } });
  expect(result).toMatchObject({ outcome: "COMPLETED" });
}

describe("searchKnowledge", () => {
  it("two organizations never see each other's graphs", async () => {
    const a = await connectedUser(h, { integrationId: "github", role: "ADMIN" });
    const b = await connectedUser(h, { integrationId: "jira", role: "ADMIN" });
    await ingest(a.nangoConnectionId, 30);
    await ingest(b.nangoConnectionId, 30);
    const [graphA, graphB] = [graphIdFor(a.org.id, "default"), graphIdFor(b.org.id, "default")];
    expect(graphA).not.toBe(graphB);
    const idsA = new Set(h.zep.episodes(graphA).map((e) => e.uuid));
    const idsB = new Set(h.zep.episodes(graphB).map((e) => e.uuid));

    // Words every generated record of both providers shares ("fails", "slow", ... come from one vocabulary).
    for (const query of ["login fails on retry", "billing search sync dashboard webhooks"]) {
      const { results } = await searchKnowledge(b.scope, { projectKey: "default", query, limit: 50 });
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) {
        expect(r.provider).toBe("JIRA");
        expect(r.connection).toEqual({ id: b.connection.id, accountName: "Ada" });
        if (r.kind === "episode") {
          expect(idsB.has(r.id)).toBe(true);
          expect(idsA.has(r.id)).toBe(false);
        }
      }
      const fromA = await searchKnowledge(a.scope, { projectKey: "default", query, limit: 50 });
      expect(fromA.results.every((r) => r.provider === "GITHUB" && r.connection?.id === a.connection.id)).toBe(true);
    }
  });

  it("normalizes facts and episodes with score, time, provider, connection and a link to the source record", async () => {
    const a = await connectedUser(h, { integrationId: "github", projectId: "docs" });
    await ingest(a.nangoConnectionId, 12);
    await new Promise((r) => setTimeout(r, 20)); // the sandbox turns episodes into facts asynchronously, like Zep

    const { project, results } = await searchKnowledge(a.scope, { projectKey: "docs", query: "GitHub issue", limit: 5 });

    expect(project).toEqual({ key: "docs", name: "docs" });
    expect(results.filter((r) => r.kind === "fact")).toHaveLength(5);
    expect(results.filter((r) => r.kind === "episode")).toHaveLength(5);
    for (const r of results) {
      expect(r).toEqual({
        kind: expect.stringMatching(/^(fact|episode)$/),
        id: expect.any(String),
        text: expect.any(String),
        score: expect.any(Number),
        createdAt: expect.any(String),
        provider: "GITHUB",
        connection: { id: a.connection.id, accountName: "Ada" },
        url: expect.stringMatching(/^https:\/\/github\.com\/acme\/[a-z]+\/issues\/\d+$/),
        recordId: expect.stringMatching(/^\d+$/),
        invalidAt: null,
      });
    }
    const scores = results.map((r) => r.score!);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
  });

  it("a member can search the projects their connections feed (and default), not others; another member's connection stays anonymous", async () => {
    const admin = await connectedUser(h, { role: "ADMIN", projectId: "research" });
    const member = await connectedUser(h, { org: admin.org, projectId: "proj-m" });
    await createProject(admin.scope, { name: "Secret Plans" });
    await ingest(admin.nangoConnectionId, 5);
    await ingest(member.nangoConnectionId, 5);

    await expect(searchKnowledge(member.scope, { projectKey: "research", query: "login" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(searchKnowledge(member.scope, { projectKey: "secret-plans", query: "login" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(searchKnowledge(member.scope, { projectKey: "default", query: "login" })).resolves.toMatchObject({ project: { key: "default" } });
    const own = await searchKnowledge(member.scope, { projectKey: "proj-m", query: "GitHub issue", limit: 50 });
    expect(own.results.length).toBeGreaterThan(0);
    expect(own.results.every((r) => r.connection?.id === member.connection.id)).toBe(true);

    // The admin sees every project; in "research", results come from the admin's connection.
    const research = await searchKnowledge(admin.scope, { projectKey: "research", query: "GitHub issue", limit: 50 });
    expect(research.results.length).toBeGreaterThan(0);
    expect(research.results.every((r) => r.connection?.id === admin.connection.id)).toBe(true);

    // A second member who joins project proj-m through no connection of their own sees nothing of it.
    const outsider = await createUser(admin.org.id);
    await expect(
      searchKnowledge({ organizationId: admin.org.id, userId: outsider.id, role: "MEMBER" }, { projectKey: "proj-m", query: "login" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    // Nor can anyone reach another organization's project by key.
    const other = await connectedUser(h, { role: "ADMIN" });
    await expect(searchKnowledge(other.scope, { projectKey: "research", query: "login" })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("two members feeding one project each find only what their own connections brought; the admin finds both", async () => {
    const admin = await connectedUser(h, { role: "ADMIN" });
    const ana = await connectedUser(h, { org: admin.org, projectId: "shared" });
    const bo = await connectedUser(h, { org: admin.org, projectId: "shared" });
    await ingest(ana.nangoConnectionId, 6);
    await ingest(bo.nangoConnectionId, 6);

    const byConnection = (results: { connection: { id: string } | null }[]) => new Set(results.map((r) => r.connection?.id ?? "anonymous"));
    const asAna = await searchKnowledge(ana.scope, { projectKey: "shared", query: "GitHub issue", limit: 50 });
    expect(asAna.results.length).toBeGreaterThan(0);
    expect(byConnection(asAna.results)).toEqual(new Set([ana.connection.id]));
    const asBo = await searchKnowledge(bo.scope, { projectKey: "shared", query: "GitHub issue", limit: 50 });
    expect(byConnection(asBo.results)).toEqual(new Set([bo.connection.id]));
    const asAdmin = await searchKnowledge(admin.scope, { projectKey: "shared", query: "GitHub issue", limit: 50 });
    const adminSees = byConnection(asAdmin.results);
    expect(adminSees.has(ana.connection.id) && adminSees.has(bo.connection.id)).toBe(true);
  });

  it("members find the facts their own connections produced even when no source episode is among the episode hits (Zep searches them independently)", async () => {
    const admin = await connectedUser(h, { role: "ADMIN" });
    const ana = await connectedUser(h, { org: admin.org, projectId: "facts" });
    const bo = await connectedUser(h, { org: admin.org, projectId: "facts" });
    await ingest(ana.nangoConnectionId, 6);
    await ingest(bo.nangoConnectionId, 6);
    await h.zep.settled(); // facts are derived asynchronously, as in Zep

    // "opened" is in the derived facts ("… was opened by …"), not in any episode's text ("Author: …").
    const asAna = await searchKnowledge(ana.scope, { projectKey: "facts", query: "opened", limit: 50 });
    expect(asAna.results.length).toBeGreaterThan(0);
    expect(asAna.results.every((r) => r.kind === "fact" && /was opened by/.test(r.text))).toBe(true);
    expect(asAna.counts.episodes).toBe(0);
    expect(new Set(asAna.results.map((r) => r.connection?.id))).toEqual(new Set([ana.connection.id]));
    expect(asAna.results.every((r) => r.url?.startsWith("https://github.com/") && r.recordId)).toBe(true);

    // Grouped by source record: one group per record of Ana's, with counts and paging.
    expect(asAna.counts.records).toBe(6);
    expect(asAna.groups.every((g) => g.source?.connection?.id === ana.connection.id && g.facts.length >= 1)).toBe(true);
    const paged = await searchKnowledge(ana.scope, { projectKey: "facts", query: "opened", limit: 4, page: 2 });
    expect(paged).toMatchObject({ page: 2, pageCount: 2 });
    expect(paged.groups).toHaveLength(2);

    // Both connections synced look-alike records: Zep merges a fact stated twice into one edge naming both
    // episodes. Bo still finds it, attributed to his own record.
    const asBo = await searchKnowledge(bo.scope, { projectKey: "facts", query: "opened", limit: 50 });
    expect(asBo.counts.records).toBe(6);
    expect(new Set(asBo.results.map((r) => r.connection?.id))).toEqual(new Set([bo.connection.id]));

    // The admin sees the source record of every result.
    const asAdmin = await searchKnowledge(admin.scope, { projectKey: "facts", query: "opened", limit: 50 });
    expect(asAdmin.counts.facts).toBeGreaterThanOrEqual(6);
    expect(asAdmin.groups.every((g) => g.source !== null && g.source.title !== null && g.source.connection !== null)).toBe(true);
  });

  it("validates the input: query of 1–400 characters, limit 1–50", async () => {
    const a = await connectedUser(h);
    await expect(searchKnowledge(a.scope, { projectKey: "default", query: "   " })).rejects.toBeInstanceOf(ZodError);
    await expect(searchKnowledge(a.scope, { projectKey: "default", query: "x".repeat(401) })).rejects.toBeInstanceOf(ZodError);
    await expect(searchKnowledge(a.scope, { projectKey: "default", query: "ok", limit: 51 })).rejects.toBeInstanceOf(ZodError);
    await expect(searchKnowledge(a.scope, { projectKey: "default", query: "x".repeat(400) })).resolves.toMatchObject({ results: [] });
  });
});
