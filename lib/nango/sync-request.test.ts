// "Sync now" tells the truth: requested → waiting → answered by the next sync webhook, or plainly late.
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { createConnection, createOrg, createUser } from "@/lib/test/factory";
import { deliverWebhook } from "@/lib/test/webhooks";
import { signWebhook } from "@/sandbox/nango";
import { syncRequestState } from "./sync-request";

process.env.NANGO_WEBHOOK_SIGNING_KEY = "whsec-sync-request";

describe("syncRequestState", () => {
  const at = "2026-06-01T10:00:00.000Z";
  it("is waiting within the patience, late after it, and absent without a request (or with a malformed one)", () => {
    expect(syncRequestState({ syncRequestedAt: at }, new Date("2026-06-01T10:14:00.000Z"), 15)).toEqual({ requestedAt: new Date(at), late: false, patienceMinutes: 15 });
    expect(syncRequestState({ syncRequestedAt: at }, new Date("2026-06-01T10:16:00.000Z"), 15)).toMatchObject({ late: true });
    expect(syncRequestState({}, new Date(), 15)).toBeNull();
    expect(syncRequestState({ syncRequestedAt: { not: "a date" } }, new Date(), 15)).toBeNull();
    expect(syncRequestState({ syncRequestedAt: "yesterday" }, new Date(), 15)).toBeNull();
  });

  it("is answered by the next sync webhook, a failure included", async () => {
    const user = await createUser((await createOrg()).id);
    for (const success of [true, false]) {
      const c = await createConnection(user, { metadata: { integrationId: "github", syncRequestedAt: at } });
      const base = { connectionId: c.connectionId, from: "nango", model: "Issue", providerConfigKey: "github", syncName: "issues", syncVariant: "base", type: "sync" };
      const body = success
        ? { ...base, success, modifiedAfter: at, queryTimeStamp: at, responseResults: { added: 1, updated: 0, deleted: 0 } }
        : { ...base, success, startedAt: at, failedAt: "2026-06-01T10:01:00.000Z", error: { type: "script_error", description: "boom" } };
      expect(await deliverWebhook(signWebhook(body, "whsec-sync-request"))).toMatchObject({ body: { outcome: "APPLIED" } });
      const after = await prisma.connection.findUniqueOrThrow({ where: { id: c.id } });
      expect(after.metadata).not.toHaveProperty("syncRequestedAt");
      expect(syncRequestState(after.metadata)).toBeNull();
    }
  });
});
