// The database goes away while webhooks arrive: the route answers 503 (Nango retries 5xx) for what it could
// not store, and every delivery it answered 200 is applied exactly once when the database is back. The app
// reaches PostgreSQL through a TCP proxy of this test; stopping the proxy cuts every connection at once and
// refuses new ones, as a stopped server does.
import { createHmac, randomUUID } from "node:crypto";
import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const KEY = "whsec-fault";
const realUrl = new URL(process.env.DATABASE_URL!);

function tcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  return {
    start(port = 0) {
      return new Promise<number>((resolve) => {
        server = net.createServer((client) => {
          const upstream = net.connect(target.port, target.host);
          const close = () => {
            client.destroy();
            upstream.destroy();
            sockets.delete(client);
            sockets.delete(upstream);
          };
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on("error", close).on("close", close);
          }
          client.pipe(upstream).pipe(client);
        });
        server.listen(port, "127.0.0.1", () => resolve((server!.address() as net.AddressInfo).port));
      });
    },
    stop() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

const proxy = tcpProxy({ host: realUrl.hostname, port: Number(realUrl.port || 5432) });
let port: number;
let direct: pg.Client;
let POST: (req: Request) => Promise<Response>;
let applyPendingDeliveries: (f: { ids: string[] }) => Promise<number>;

beforeAll(async () => {
  port = await proxy.start();
  const viaProxy = new URL(realUrl);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(port);
  // Before the app's modules load: its Prisma client connects through the proxy.
  process.env.DATABASE_URL = viaProxy.toString();
  process.env.NANGO_WEBHOOK_SIGNING_KEY = KEY;
  ({ POST } = await import("./route"));
  ({ applyPendingDeliveries } = await import("@/lib/nango/webhooks"));
  direct = new pg.Client({ connectionString: realUrl.toString() });
  await direct.connect();
});
afterAll(async () => {
  await direct?.end();
  await proxy.stop();
});

/**
 * What the inbox worker does for this connection: apply everything stored (a request answered 503 may have
 * been stored too, and comes first in its connection's order), again after the retry time of attempts that
 * failed meanwhile.
 */
async function drain(connectionId: string) {
  for (let i = 0; i < 100; i++) {
    const { rows } = await direct.query(`SELECT id FROM "WebhookDelivery" WHERE "connectionId" = $1 AND outcome = 'RECEIVED'`, [connectionId]);
    if (rows.length === 0) return;
    await applyPendingDeliveries({ ids: rows.map((r) => r.id as string) });
    await new Promise((r) => setTimeout(r, 200));
  }
}

const signed = (payload: unknown) => {
  const body = JSON.stringify(payload);
  return { body, headers: { "content-type": "application/json", "x-nango-hmac-sha256": createHmac("sha256", KEY).update(body).digest("hex") } };
};

describe("the database stops while 500 webhooks arrive", () => {
  it("answers 503 for what it could not store and applies every 200 exactly once", async () => {
    const org = `org_${randomUUID()}`;
    const user = `user_${randomUUID()}`;
    const connectionId = randomUUID();
    await direct.query(`INSERT INTO "Organization" (id, name, "updatedAt") VALUES ($1, 'Fault', now())`, [org]);
    await direct.query(`INSERT INTO "User" (id, email, "organizationId", "updatedAt") VALUES ($1, $2, $3, now())`, [user, `${user}@fault.test`, org]);
    await direct.query(
      `INSERT INTO "Connection" (id, provider, "connectionId", "userId", "organizationId", status, metadata, "updatedAt")
       VALUES ($1, 'GITHUB', $1, $2, $3, 'ACTIVE', '{"integrationId":"github"}', now())`,
      [connectionId, user, org],
    );
    const webhooks = Array.from({ length: 500 }, (_, i) => {
      const at = new Date(Date.UTC(2026, 6, 1) + i * 60_000).toISOString();
      return signed({ connectionId, from: "nango", model: "Issue", modifiedAfter: at, providerConfigKey: "github", queryTimeStamp: at, responseResults: { added: 1, updated: 0, deleted: 0 }, success: true, syncName: "issues", syncVariant: "base", type: "sync" });
    });
    const post = async (w: { body: string; headers: Record<string, string> }) => {
      const res = await POST(new Request("http://localhost/api/webhooks/nango", { method: "POST", headers: w.headers, body: w.body }));
      return { status: res.status, id: ((await res.json()) as { id?: string }).id };
    };

    // 10 in flight; the database stops after the 150th request starts and is back after the 300th.
    const answers: Array<{ status: number; id?: string }> = new Array(webhooks.length);
    let next = 0;
    let down: Promise<void> | undefined;
    let up: Promise<unknown> | undefined;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < webhooks.length) {
          const i = next++;
          if (i === 150) down = proxy.stop();
          if (i === 300) up = down!.then(() => proxy.start(port));
          if (i > 300) await up;
          answers[i] = await post(webhooks[i]!);
        }
      }),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);

    // Back up: the inbox applies everything it stored.
    const accepted = answers.flatMap((a) => (a.status === 200 && a.id ? [a.id] : []));
    await drain(connectionId);
    const { rows } = await direct.query(`SELECT id, outcome, "bodyHash" FROM "WebhookDelivery" WHERE "connectionId" = $1`, [connectionId]);
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    for (const id of accepted) expect(byId.get(id)?.outcome).toBe("APPLIED");
    // A 503 may still have been stored (committed just before the connection was cut): never applied twice.
    const appliedHashes = rows.filter((r) => r.outcome === "APPLIED").map((r) => r.bodyHash as string);
    expect(new Set(appliedHashes).size).toBe(appliedHashes.length);

    // Nango retries the 503s: then every webhook has exactly one effect.
    const retried = await Promise.all(webhooks.flatMap((w, i) => (answers[i]!.status === 503 ? [post(w)] : [])));
    expect(retried.every((r) => r.status === 200)).toBe(true);
    await drain(connectionId);
    const { rows: jobs } = await direct.query(`SELECT count(*)::int n FROM "SyncJob" WHERE "connectionId" = $1`, [connectionId]);
    expect(jobs[0].n).toBe(500);
    const { rows: outcomes } = await direct.query(`SELECT outcome, count(*)::int n FROM "WebhookDelivery" WHERE "connectionId" = $1 GROUP BY 1`, [connectionId]);
    expect(Object.fromEntries(outcomes.map((o) => [o.outcome, o.n]))).toMatchObject({ APPLIED: 500 });
    expect(outcomes.find((o) => o.outcome === "RECEIVED")).toBeUndefined();
  }, 120_000);
});
