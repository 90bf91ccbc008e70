// Whatever an address bar holds, every page's loader answers with rows or nothing, never an exception:
// fast-check generates hostile query strings and path ids and calls the loaders against the real database.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "@/lib/data/scope";
import { createConnection, createOrg, createSyncJob, createUser } from "@/lib/test/factory";
import { listConnections, parseConnectionFilters } from "./connections";
import { searchKnowledgePage } from "./knowledge";
import { loadConnectionDetail, loadSyncHistory, parseSyncFilters } from "./sync-history";
import { listWebhookDeliveries, parseWebhookFilters } from "./webhooks";
import { decodeCursor, encodeCursor, filtersFrom, isCalendarDay, isDecodablePath, cursorTime, orderedRange, pageInfo, type SearchParams } from "./params";
import { z } from "zod";

const scopeOf = (u: { id: string; organizationId: string; role: "ADMIN" | "MEMBER" }): Scope => ({ userId: u.id, organizationId: u.organizationId, role: u.role });

/** Strings an address bar can carry: anything, including NUL, lone surrogates, very long text and look-alikes. */
const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ maxLength: 700 }),
  fc.constantFrom("", " ", "\u0000", "a\u0000b", "%", "%E0%A4%A", "2024-99-99", "0000-01-01", "9999-12-31", "2024-02-30", "-1", "null", "[]", "{}", "ACTIVE", "active", "GITHUB"),
  fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? "Invalid" : d.toISOString().slice(0, 10))),
);
/** Cursors: ours with impossible contents, and arbitrary base64. */
const cursors = fc.oneof(
  hostile,
  fc.record({ t: hostile, v: fc.oneof(hostile, fc.constant(null)), at: hostile, id: hostile, p: fc.oneof(fc.integer(), fc.double(), hostile) }).map(encodeCursor),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString("base64url")),
);
const paramsOf = (keys: string[]) =>
  fc.dictionary(fc.constantFrom(...keys, "junk"), fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), keys.includes("cursor") ? cursors : hostile), {
    maxKeys: keys.length + 1,
  }) as fc.Arbitrary<SearchParams>;

let admin: Scope;
let member: Scope;

beforeAll(async () => {
  const org = await createOrg();
  const a = await createUser(org.id, { role: "ADMIN", name: "Admin" });
  const m = await createUser(org.id, { name: "Member" });
  for (const [i, owner] of [a, m, m].entries()) {
    const c = await createConnection(owner, { metadata: { accountName: `Acct ${i}`, syncsPausedAt: i === 1 ? new Date().toISOString() : undefined }, lastSyncAt: i ? new Date() : undefined });
    await createSyncJob(c.id, { status: "FAILED", errors: [{ message: "slow down", code: "RATE_LIMIT" }] });
  }
  admin = scopeOf(a);
  member = scopeOf(m);
});

const RUNS = { numRuns: 60 };

describe("every page's address is read without failing", () => {
  it("connections list", async () => {
    await fc.assert(
      fc.asyncProperty(paramsOf(["provider", "status", "owner", "syncs", "q", "sort", "cursor"]), fc.boolean(), async (params, asAdmin) => {
        const result = await listConnections(asAdmin ? admin : member, parseConnectionFilters(params));
        expect(result.page).toBeGreaterThanOrEqual(1);
        expect(result.page).toBeLessThanOrEqual(result.pages);
      }),
      RUNS,
    );
  });

  it("sync history", async () => {
    await fc.assert(
      fc.asyncProperty(paramsOf(["status", "provider", "connection", "owner", "code", "from", "to", "cursor"]), fc.boolean(), async (params, asAdmin) => {
        const filters = parseSyncFilters(params);
        if (filters.from && filters.to) expect(filters.from <= filters.to).toBe(true);
        const result = await loadSyncHistory(asAdmin ? admin : member, filters);
        expect(result.activity).toHaveLength(30);
      }),
      RUNS,
    );
  });

  it("connection detail (path id and cursor)", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, cursors, async (id, cursor) => {
        expect(await loadConnectionDetail(admin, id, cursor)).toBeNull();
      }),
      RUNS,
    );
  });

  it("webhook log", async () => {
    await fc.assert(
      fc.asyncProperty(paramsOf(["outcome", "cursor"]), async (params) => {
        await listWebhookDeliveries(admin, parseWebhookFilters(params));
      }),
      RUNS,
    );
  });

  it("knowledge (failures of the search become sentences, never exceptions)", async () => {
    await fc.assert(
      fc.asyncProperty(paramsOf(["project", "q"]), async (params) => {
        const page = await searchKnowledgePage(admin, params);
        expect(page.query.length).toBeLessThanOrEqual(400);
      }),
      { numRuns: 20 },
    );
  });
});

describe("the address rules", () => {
  it("accepts only calendar days a page can show", () => {
    expect(isCalendarDay("2024-02-29")).toBe(true);
    for (const bad of ["2024-99-99", "0000-01-01", "2023-02-29", "2024-1-01", "20240101", "3000-01-01", " 2024-01-01"]) expect(isCalendarDay(bad)).toBe(false);
    fc.assert(
      fc.property(fc.date({ min: new Date("1970-01-01"), max: new Date("2999-12-31"), noInvalidDate: true }), (d) => isCalendarDay(d.toISOString().slice(0, 10))),
    );
  });

  it("drops what does not validate, strips NUL, cuts long searches, orders a reversed range", () => {
    const schema = z.object({ q: z.string().optional(), n: z.enum(["a", "b"]).optional() });
    expect(filtersFrom(schema, { q: "a\u0000b", n: "c" })).toEqual({ q: "ab" });
    expect(parseConnectionFilters({ q: "x".repeat(600) }).q).toHaveLength(200);
    expect(parseConnectionFilters({ q: "\u0000 " }).q).toBeUndefined();
    expect(orderedRange({ from: "2025-01-01", to: "2024-01-01" })).toEqual({ from: "2024-01-01", to: "2025-01-01" });
    expect(parseSyncFilters({ from: "2024-99-99", to: "2024-01-31" })).toEqual({ to: "2024-01-31" });
  });

  it("reads back only cursors of the right shape, with times a page can show", () => {
    const shape = z.object({ t: cursorTime, id: z.string() });
    expect(decodeCursor(encodeCursor({ t: "2026-01-01T00:00:00.000Z", id: "abc" }), shape)).toEqual({ t: "2026-01-01T00:00:00.000Z", id: "abc" });
    expect(decodeCursor(encodeCursor({ t: "0000-01-01T00:00:00.000Z", id: "abc" }), shape)).toBeNull();
    expect(decodeCursor(encodeCursor({ t: "not a date", id: "abc" }), shape)).toBeNull();
    expect(decodeCursor(encodeCursor({ t: "2026-01-01T00:00:00.000Z", id: "a\u0000" }), shape)).toBeNull();
    expect(decodeCursor("%%%", shape)).toBeNull();
  });

  it("tells decodable paths from those Next cannot decode", () => {
    expect(isDecodablePath("/connections/abc")).toBe(true);
    expect(isDecodablePath("/connections/caf%C3%A9")).toBe(true);
    expect(isDecodablePath("/connections/%E0%A4%A")).toBe(false);
    expect(isDecodablePath("/%")).toBe(false);
    fc.assert(fc.property(fc.string(), (s) => isDecodablePath("/" + s.split("/").map(encodeURIComponent).join("/"))));
  });
});

describe("pageInfo", () => {
  it("numbers pages from an exact count, and says so when the count stopped at a cap", () => {
    expect(pageInfo(45, 20, 9)).toEqual({ total: 45, page: 3, pages: 3, capped: false });
    // Counted up to 10,000: page 600 of a longer list is still page 600, and the total is a lower bound.
    expect(pageInfo(10_000, 20, 600, true)).toEqual({ total: 10_000, page: 600, pages: 600, capped: true });
    expect(pageInfo(10_000, 20, 3, true)).toEqual({ total: 10_000, page: 3, pages: 500, capped: true });
  });
});
