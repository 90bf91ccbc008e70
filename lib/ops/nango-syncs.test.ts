// A connection's syncs from the Nango sandbox's sync status API, paused and resumed one at a time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withAuditContext } from "@/lib/audit/record";
import { prisma } from "@/lib/db/client";
import { NotFoundError } from "@/lib/errors";
import { createUser } from "@/lib/test/factory";
import { connectedUser, startHarness, type Harness } from "@/lib/test/ingest-harness";
import { connectionSyncs, setSyncPaused } from "./nango-syncs";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => h?.stop());

describe("connection syncs", () => {
  it("lists Nango's syncs with schedule and status, pauses and resumes one, audits it, and hides other people's", async () => {
    const { connection, scope, user, org } = await connectedUser(h);
    const rows = await connectionSyncs(scope, connection.id);
    expect(rows.length).toBeGreaterThan(0);
    const first = rows[0]!;
    expect(first).toMatchObject({ name: expect.any(String), frequency: expect.any(String), models: expect.arrayContaining([expect.any(String)]) });
    expect(first.status).not.toBe("PAUSED");

    const as = <T>(w: () => Promise<T>) => withAuditContext({ userId: user.id, label: user.email }, w);
    await as(() => setSyncPaused(scope, connection.id, first.name, true));
    const paused = (await connectionSyncs(scope, connection.id)).find((s) => s.name === first.name)!;
    expect(paused).toMatchObject({ status: "PAUSED", nextRunAt: null });
    await as(() => setSyncPaused(scope, connection.id, first.name, false));
    expect((await connectionSyncs(scope, connection.id)).find((s) => s.name === first.name)!.status).not.toBe("PAUSED");

    await expect(setSyncPaused(scope, connection.id, "no-such-sync", true)).rejects.toBeInstanceOf(NotFoundError);
    const other = await createUser(org.id);
    await expect(connectionSyncs({ organizationId: org.id, userId: other.id, role: "MEMBER" }, connection.id)).rejects.toBeInstanceOf(NotFoundError);
    const events = await prisma.auditEvent.findMany({ where: { organizationId: org.id }, orderBy: { at: "asc" } });
    expect(events.map((e) => [e.action, e.details])).toEqual([
      ["connection.connected", { provider: "GITHUB", projectId: "default" }],
      ["connection.sync_paused", { sync: first.name }],
      ["connection.sync_resumed", { sync: first.name }],
    ]);
  });
});
