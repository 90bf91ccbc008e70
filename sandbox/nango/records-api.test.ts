// Records through the real @nangohq/node SDK: paging, cursors, generated content and Nango's validation.
import { Nango } from "@nangohq/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNangoSandbox, type NangoSandbox } from "./index";

const SECRET = "records-secret-key";
const endUser = { id: "user_1", email: "ada@example.test", display_name: "Ada" };

let sandbox: NangoSandbox;
let nango: Nango;

beforeAll(async () => {
  sandbox = await startNangoSandbox({ secretKey: SECRET, webhookSigningKey: "records-signing", rateLimitPerMinute: 10_000 });
  nango = new Nango({ apiKey: SECRET, host: sandbox.url });
});
afterAll(() => sandbox.stop());

describe("records", () => {
  it("pages 5,000 records exactly once, in modification order, and resumes from a cursor", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    const sync = await sandbox.simulateSync(connectionId, { added: 5000 });
    expect(sync.responseResults).toEqual({ added: 5000, updated: 0, deleted: 0 });

    const seen: string[] = [];
    let lastModified = "";
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await nango.listRecords<{ id: string }>({ providerConfigKey: "github", connectionId, model: "Issue", limit: 1000, cursor: cursor ?? undefined });
      for (const r of page.records) {
        expect(r._nango_metadata.last_modified_at >= lastModified).toBe(true);
        lastModified = r._nango_metadata.last_modified_at;
        seen.push(r.id);
      }
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(5000);
    expect(new Set(seen).size).toBe(5000);

    // An incremental sync: 3 edits and 2 deletions show up after the last stored cursor, in order.
    const lastCursor = (await nango.listRecords({ providerConfigKey: "github", connectionId, model: "Issue", limit: 10000 })).records.at(-1)!._nango_metadata.cursor;
    const next = await sandbox.simulateSync(connectionId, { updated: 3, deleted: 2, added: 1 });
    const changes = await nango.listRecords<{ id: string; title: string }>({ providerConfigKey: "github", connectionId, model: "Issue", cursor: lastCursor });
    expect(changes.records.map((r) => [r.id, r._nango_metadata.last_action])).toEqual([
      ["100001", "UPDATED"],
      ["100002", "UPDATED"],
      ["100003", "UPDATED"],
      ["100004", "DELETED"],
      ["100005", "DELETED"],
      ["105001", "ADDED"],
    ]);
    expect(changes.next_cursor).toBeNull();
    expect(changes.records[3]!._nango_metadata.deleted_at).not.toBeNull();
    expect(changes.records[0]!.title).toMatch(/\(edit 1\)$/);
    expect(next.records).toEqual({ added: ["105001"], updated: ["100001", "100002", "100003"], deleted: ["100004", "100005"] });

    // modified_after and filter
    const since = await nango.listRecords({ providerConfigKey: "github", connectionId, model: "Issue", modifiedAfter: next.modifiedAfter, filter: "deleted" });
    expect(since.records.map((r) => r.id)).toEqual(["100004", "100005"]);
  });

  it("generates the same realistic content for the same seed", async () => {
    const one = await sandbox.connect({ integrationId: "jira", endUser });
    const two = await sandbox.connect({ integrationId: "jira", endUser });
    await sandbox.simulateSync(one.connectionId, { added: 2 });
    await sandbox.simulateSync(two.connectionId, { added: 2 });
    const strip = (records: Record<string, unknown>[]) => records.map(({ _nango_metadata, updated_at, ...r }) => r);
    const a = await nango.listRecords({ providerConfigKey: "jira", connectionId: one.connectionId, model: "Issue" });
    const b = await nango.listRecords({ providerConfigKey: "jira", connectionId: two.connectionId, model: "Issue" });
    expect(strip(a.records)).toEqual(strip(b.records));
    expect(a.records[0]).toMatchObject({ id: "10001", key: "ATL-1", project: { key: "ATL" }, status: "To Do", summary: expect.any(String), assignee: expect.any(String), description: expect.any(String) });

    for (const [integrationId, model, fields] of [
      ["github", "PullRequest", ["repository", "number", "title", "state", "author", "labels", "body"]],
      ["notion", "ContentMetadata", ["title", "parent", "text"]],
      ["slack", "Message", ["channel", "author", "thread_ts", "text"]],
      ["linear", "LinearIssue", ["identifier", "title", "state", "assignee", "description"]],
    ] as const) {
      const { connectionId } = await sandbox.connect({ integrationId, endUser });
      await sandbox.simulateSync(connectionId, { added: 1, model });
      const { records } = await nango.listRecords({ providerConfigKey: integrationId, connectionId, model });
      for (const f of fields) expect(records[0]).toHaveProperty(f);
    }
  });

  it("validates headers, model, limit, modified_after and the connection like Nango", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    const get = (query: string, headers: Record<string, string> = { "Connection-Id": connectionId, "Provider-Config-Key": "github" }) =>
      fetch(`${sandbox.url}/records/?${query}`, { headers: { Authorization: `Bearer ${SECRET}`, ...headers } }).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(await get("model=Issue", {})).toMatchObject({ status: 400, body: { error: { code: "invalid_headers" } } });
    expect(await get("model=issue")).toMatchObject({ status: 400, body: { error: { code: "invalid_query_params" } } });
    expect(await get("model=Issue&limit=0")).toMatchObject({ status: 400 });
    expect(await get("model=Issue&limit=10001")).toMatchObject({ status: 400 });
    expect(await get("model=Issue&modified_after=yesterday")).toMatchObject({ status: 400 });
    expect(await get("model=Issue&modified_after=2020-01-01T00:00:00.000Z")).toMatchObject({ status: 400 });
    expect(await get("model=Issue", { "Connection-Id": "nope", "Provider-Config-Key": "github" })).toMatchObject({ status: 400, body: { error: { code: "unknown_connection" } } });
    expect(await get("model=Issue")).toEqual({ status: 200, body: { records: [], next_cursor: null } });
  });
});
