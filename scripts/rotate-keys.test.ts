// Connection metadata encrypted at rest, against real PostgreSQL: what a stolen dump shows, tampering, and a
// key rotation stopped halfway then resumed.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mergeConnectionMetadata, readConnectionMetadata } from "@/lib/data/connection-metadata";
import { openMetadata, SEALED_KEY, sealSessionMetadata } from "@/lib/data/sealed-metadata";
import { prisma } from "@/lib/db/client";
import { keyIdOf, parseKeyRing } from "@/lib/encryption";
import { createConnection, createOrg, createUser } from "@/lib/test/factory";
import { backup } from "./backup";
import { rotateKeys } from "./rotate-keys";

const k1 = randomBytes(32).toString("base64");
const k2 = randomBytes(32).toString("base64");
const SECRET = () => ({ installationId: `inst-${randomBytes(6).toString("hex")}`, repositories: ["acme/secret-repo"], lastError: { message: "token tok-revoked-qxz revoked", code: "TOKEN_REVOKED", timestamp: new Date().toISOString() } });

let org: { id: string };
beforeEach(async () => {
  org = await createOrg("Sealed");
});
afterEach(() => vi.unstubAllEnvs());

describe("connection metadata at rest", () => {
  it("a dump of the database alone shows lists' fields but no secret metadata", async () => {
    vi.stubEnv("ATLAS_ENCRYPTION_KEYS", `k1:${k1}`);
    const user = await createUser(org.id);
    const secret = SECRET();
    const metadata = mergeConnectionMetadata({}, { accountName: "octo-sealed", projectId: "default", ...secret });
    const c = await createConnection(user, { metadata });
    const stored = (await prisma.connection.findUniqueOrThrow({ where: { id: c.id } })).metadata as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(["accountName", "projectId", SEALED_KEY]);
    expect(readConnectionMetadata(stored)).toMatchObject({ accountName: "octo-sealed", installationId: secret.installationId, repositories: secret.repositories });
    expect(openMetadata(stored)).toMatchObject(secret);

    const dir = await mkdtemp(path.join(tmpdir(), "atlas-dump-"));
    const file = path.join(dir, "dump.gz");
    await backup(process.env.DATABASE_URL!, file);
    const dump = gunzipSync(await readFile(file)).toString("utf8");
    expect(dump).toContain("octo-sealed");
    expect(dump).toContain(c.id);
    // Markers no hex hash in the dump can contain by chance ("abc123" once matched a ledger content hash).
    for (const s of [secret.installationId, "acme/secret-repo", "tok-revoked-qxz"]) expect(dump).not.toContain(s);
  });

  it("a tampered sealed value is detected: reads keep the plaintext fields, writes refuse", async () => {
    vi.stubEnv("ATLAS_ENCRYPTION_KEYS", `k1:${k1}`);
    const sealed = mergeConnectionMetadata({}, { accountName: "tampered", ...SECRET() }) as Record<string, string>;
    const value = sealed[SEALED_KEY];
    const flipped = value.slice(0, -3) + (value.at(-3) === "A" ? "B" : "A") + value.slice(-2);
    const tampered = { ...sealed, [SEALED_KEY]: flipped };
    expect(() => openMetadata(tampered)).toThrow(/failed authentication/);
    const { log } = await import("@/lib/log");
    const errors = vi.spyOn(log, "error");
    expect(readConnectionMetadata(tampered)).toEqual({ accountName: "tampered" });
    expect(errors).toHaveBeenCalled();
    expect(() => mergeConnectionMetadata(tampered, { syncRequestedAt: "now" })).toThrow(/failed authentication/);
  });

  it("plaintext rows are sealed, and a rotation stopped halfway then resumed ends consistent", async () => {
    const user = await createUser(org.id);
    const originals = new Map<string, Record<string, unknown>>();
    // Six rows from before encryption (plaintext), four sealed under the old key k1.
    for (let i = 0; i < 10; i++) {
      const m = { accountName: `acct-${i}`, projectId: "default", ...SECRET() };
      if (i >= 6) vi.stubEnv("ATLAS_ENCRYPTION_KEYS", `k1:${k1}`);
      const c = await createConnection(user, { metadata: i >= 6 ? mergeConnectionMetadata({}, m) : m });
      originals.set(c.id, m);
    }
    const ring = parseKeyRing(`k2:${k2},k1:${k1}`)!;
    const where = { organizationId: org.id };
    const halfway = await rotateKeys({ ring, organizationId: org.id, batchSize: 3, maxBatches: 2 });
    expect(halfway.examined).toBe(6);
    expect(halfway.remaining).toBe(4);
    const resumed = await rotateKeys({ ring, organizationId: org.id, batchSize: 3 });
    expect(resumed.remaining).toBe(0);
    expect(halfway.sealed + resumed.sealed).toBe(10);
    const again = await rotateKeys({ ring, organizationId: org.id, batchSize: 3 });
    expect(again.sealed).toBe(0);
    const k2Only = parseKeyRing(`k2:${k2}`)!; // old key removable once nothing is left under it
    for (const row of await prisma.connection.findMany({ where, select: { id: true, metadata: true } })) {
      const stored = row.metadata as Record<string, string>;
      expect(keyIdOf(stored[SEALED_KEY])).toBe("k2");
      expect(openMetadata(stored, k2Only)).toEqual(originals.get(row.id));
    }
  });
});

describe("connect session metadata at rest", () => {
  const sessionMetadata = (userId: string) => ({
    tokenExpiry: new Date(Date.now() + 30 * 60_000).toISOString(),
    integrationId: "github",
    scope: { organizationId: org.id, projectId: `proj-${randomBytes(4).toString("hex")}` },
    reconnectConnectionId: `conn-${randomBytes(6).toString("hex")}`,
    requestedBy: userId,
    nonce: randomBytes(16).toString("hex"),
  });

  it("is sealed as written, but for the expiry the retention task reads, and a dump shows none of it", async () => {
    vi.stubEnv("ATLAS_ENCRYPTION_KEYS", `k1:${k1}`);
    const user = await createUser(org.id);
    const metadata = sessionMetadata(user.id);
    const s = await prisma.session.create({ data: { sessionId: randomBytes(32).toString("hex"), userId: user.id, provider: "GITHUB", metadata: sealSessionMetadata(metadata) } });
    const stored = (await prisma.session.findUniqueOrThrow({ where: { id: s.id } })).metadata as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual([SEALED_KEY, "tokenExpiry"]);
    expect(openMetadata(stored)).toEqual(metadata);

    const dir = await mkdtemp(path.join(tmpdir(), "atlas-dump-"));
    const file = path.join(dir, "dump.gz");
    await backup(process.env.DATABASE_URL!, file);
    const dump = gunzipSync(await readFile(file)).toString("utf8");
    expect(dump).toContain(s.sessionId);
    expect(dump).toContain(metadata.tokenExpiry);
    for (const secret of [metadata.nonce, metadata.reconnectConnectionId, metadata.scope.projectId]) expect(dump).not.toContain(secret);
  });

  it("plaintext sessions from before encryption are sealed by rotate-keys, and re-sealed under a new key", async () => {
    const user = await createUser(org.id);
    const originals = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < 4; i++) {
      const m = sessionMetadata(user.id);
      const s = await prisma.session.create({ data: { sessionId: randomBytes(32).toString("hex"), userId: user.id, provider: "NOTION", metadata: m } });
      originals.set(s.id, m);
    }
    const first = await rotateKeys({ ring: parseKeyRing(`k1:${k1}`), organizationId: org.id, batchSize: 3 });
    expect(first.tables.Session).toMatchObject({ examined: 4, sealed: 4, remaining: 0 });
    const rotated = await rotateKeys({ ring: parseKeyRing(`k2:${k2},k1:${k1}`), organizationId: org.id, batchSize: 3, maxBatches: 1 });
    expect(rotated.tables.Session).toMatchObject({ sealed: 3, remaining: 1 }); // stopped after one batch
    await rotateKeys({ ring: parseKeyRing(`k2:${k2},k1:${k1}`), organizationId: org.id });
    const k2Only = parseKeyRing(`k2:${k2}`)!;
    for (const row of await prisma.session.findMany({ where: { userId: user.id }, select: { id: true, metadata: true } })) {
      const stored = row.metadata as Record<string, string>;
      expect(keyIdOf(stored[SEALED_KEY])).toBe("k2");
      expect(stored.tokenExpiry).toBe(originals.get(row.id)!.tokenExpiry);
      expect(openMetadata(stored, k2Only)).toEqual(originals.get(row.id));
    }
  });
});
