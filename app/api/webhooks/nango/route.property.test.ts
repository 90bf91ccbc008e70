// No 5xx because of content: whatever a signed JSON object holds (any string, NUL and lone surrogates
// included; any number, 1e400 included; any depth), the route stores it and answers 200, and applying it
// ends in an outcome with a reason. Checked against the database after every generated body.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { createConnection, createOrg, createUser } from "@/lib/test/factory";
import { applyPendingDeliveries } from "@/lib/nango/webhooks";
import { POST } from "./route";

const KEY = "whsec-property";
process.env.NANGO_WEBHOOK_SIGNING_KEY = KEY;

// One "character": mostly any code point, often one of those PostgreSQL or JSON make special.
const unit = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom("\u0000", "\ud800", "\udc00", "\udbff", "\ud83d\ude00", "\u2028", "\\", '"', "\u001f") },
  { weight: 4, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);
const text = fc.string({ unit, maxLength: 24 });
const json = fc.jsonValue({ stringUnit: unit, maxDepth: 4 });
const either = <T,>(...arbs: fc.Arbitrary<T>[]) => fc.oneof(...arbs.map((arbitrary) => ({ weight: 1, arbitrary })));
const isoDate = fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }).map((d) => d.toISOString());

// Webhook-shaped objects (so the auth/sync paths are reached, and write to a real connection), with every
// field possibly wrong.
const webhookLike = (known: { connectionId: string; userId: string; organizationId: string }) => fc.record(
  {
    type: either<unknown>(fc.constantFrom("auth", "sync", "forward", "async_action"), text, json),
    connectionId: either<unknown>(fc.constant(known.connectionId), fc.constant(known.connectionId), fc.uuid(), text, json, fc.string({ minLength: 200, maxLength: 400 })),
    providerConfigKey: either<unknown>(fc.constantFrom("github", "slack", "notion", "jira", "linear"), text),
    provider: either<unknown>(fc.constant("github"), text),
    from: either<unknown>(fc.constant("nango"), text),
    operation: either<unknown>(fc.constantFrom("creation", "override", "refresh"), text),
    success: either<unknown>(fc.boolean(), json),
    syncName: either<unknown>(fc.constant("issues"), text),
    model: either<unknown>(fc.constantFrom("Issue", "Issue,PullRequest"), text),
    modifiedAfter: either<unknown>(isoDate, text),
    startedAt: either<unknown>(isoDate, text),
    failedAt: either<unknown>(isoDate, text),
    responseResults: either<unknown>(fc.record({ added: fc.nat(), updated: fc.nat(), deleted: fc.nat() }), json),
    error: either<unknown>(fc.record({ type: text, description: text }), json),
    tags: either<unknown>(fc.record({ organization_id: either(fc.constant(known.organizationId), text), project_id: text, end_user_display_name: text }), fc.dictionary(text, text, { maxKeys: 4 }), json),
    endUser: either<unknown>(fc.record({ endUserId: either(fc.constant(known.userId), text), endUserEmail: text }), json),
    payload: json,
  },
  { requiredKeys: [] },
);
// Well-formed webhooks for the real connection whose free-text fields hold anything: these are applied and
// write that text into Connection.metadata and SyncJob rows.
const nonEmpty = fc.string({ unit, minLength: 1, maxLength: 24 });
const wellFormed = (known: Parameters<typeof webhookLike>[0]) => {
  const common = { connectionId: fc.constant(known.connectionId), providerConfigKey: fc.constant("github"), from: text, payload: json };
  const syncCommon = { ...common, type: fc.constant("sync"), syncName: nonEmpty, syncVariant: text, model: nonEmpty };
  return fc.oneof(
    fc.record({ ...syncCommon, success: fc.constant(true), modifiedAfter: isoDate, responseResults: fc.record({ added: fc.nat(), updated: fc.nat(), deleted: fc.nat() }) }),
    fc.record({ ...syncCommon, success: fc.constant(false), startedAt: isoDate, failedAt: isoDate, error: fc.record({ type: text, description: text }) }),
    fc.record({ ...common, type: fc.constant("auth"), provider: text, operation: fc.constantFrom("override", "refresh"), success: fc.boolean(), error: fc.record({ type: text, description: text }), authMode: text, tags: fc.record({ project_id: text, end_user_display_name: text }) }),
  );
};
const body = (known: Parameters<typeof webhookLike>[0]) => fc
  .record({
    fields: fc.oneof(webhookLike(known), wellFormed(known)) as fc.Arbitrary<Record<string, unknown>>,
    extra: fc.dictionary(text, json, { maxKeys: 4 }),
    // Written into the text directly: JSON.stringify never produces these.
    depth: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
    number: fc.option(fc.constantFrom("1e400", "-1e400", "1e-400", "-0", "123456789012345678901234567890.5"), { nil: undefined }),
  })
  .map(({ fields, extra, depth, number }) => {
    const inner = JSON.stringify({ ...extra, ...fields });
    const raw = [depth ? `"deep":${"[".repeat(depth)}1${"]".repeat(depth)}` : "", number ? `"n":${number}` : ""].filter(Boolean);
    return raw.length ? `{${raw.join(",")}${inner === "{}" ? "}" : `,${inner.slice(1)}`}` : inner;
  });

describe("signed JSON objects of any content", () => {
  it("are stored (200, exact bytes) and then applied or logged with a reason; never a 5xx", async () => {
    const org = await createOrg();
    const user = await createUser(org.id);
    const connection = await createConnection(user, { metadata: { integrationId: "github" } });
    const known = { connectionId: connection.connectionId, userId: user.id, organizationId: org.id };
    await fc.assert(
      fc.asyncProperty(body(known), async (text) => {
        const bytes = Buffer.from(text, "utf8");
        const signature = createHmac("sha256", KEY).update(bytes).digest("hex");
        const res = await POST(
          new Request("http://localhost/api/webhooks/nango", { method: "POST", headers: { "content-type": "application/json", "x-nango-hmac-sha256": signature }, body: bytes }),
        );
        expect(res.status).toBe(200);
        const { id } = (await res.json()) as { id: string };
        await applyPendingDeliveries({ ids: [id] });
        const row = await prisma.webhookDelivery.findUniqueOrThrow({ where: { id } });
        expect(Buffer.from(row.rawBody!).equals(bytes)).toBe(true);
        expect(["APPLIED", "DUPLICATE", "IGNORED", "REJECTED"]).toContain(row.outcome);
        if (row.outcome !== "APPLIED") expect(row.reason).toMatch(/\S/);
        expect(row.payload).not.toBeNull();
        expect(row.attempts).toBe(1);
      }),
      { numRuns: 150 },
    );
    // The generated webhooks did reach the connection and wrote to it (not only ignored).
    expect(await prisma.webhookDelivery.count({ where: { connectionId: connection.connectionId, outcome: "APPLIED" } })).toBeGreaterThan(0);
  }, 120_000);
});
