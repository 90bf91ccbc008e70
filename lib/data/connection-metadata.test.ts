import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accountNameOf, mergeConnectionMetadata, readConnectionMetadata } from "./connection-metadata";
import { readErrorEntries } from "./error-entry";

describe("connection metadata", () => {
  it("reads the seed's GitHub example with its types", () => {
    const m = readConnectionMetadata({ accountName: "octocat", repositories: ["atlas", "docs"], permissions: ["read:user"], installationId: "12345" });
    expect(m).toEqual({ accountName: "octocat", repositories: ["atlas", "docs"], permissions: ["read:user"], installationId: "12345" });
  });

  it("reads a value of the wrong shape as absent, and keeps the rest", () => {
    const m = readConnectionMetadata({ accountName: { login: "octocat" }, repositories: [{ name: "atlas" }], lastError: { message: 3 }, projectId: "research", extra: 1 });
    expect(m.accountName).toBeUndefined();
    expect(m.repositories).toBeUndefined();
    expect(m.lastError).toBeUndefined();
    expect(m.projectId).toBe("research");
    expect(m.extra).toBe(1);
  });

  it("never throws, whatever the column holds", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (stored) => {
        const m = readConnectionMetadata(stored);
        expect(typeof m).toBe("object");
        const name = accountNameOf({ metadata: stored });
        expect(name === null || typeof name === "string").toBe(true);
      }),
    );
  });

  it("merges: sets keys, removes keys set to undefined, keeps unknown keys", () => {
    const merged = mergeConnectionMetadata({ accountName: "a", syncsPausedAt: "2026-01-01T00:00:00Z", other: true }, { syncsPausedAt: undefined, projectId: "p" });
    expect(merged).toEqual({ accountName: "a", projectId: "p", other: true });
  });

  it("error lists keep only well-formed entries", () => {
    expect(readErrorEntries([{ message: "m", code: "C", timestamp: "t" }, { code: 1 }, "x", null])).toEqual([{ message: "m", code: "C", timestamp: "t" }]);
    expect(readErrorEntries({ message: "m", code: "C" })).toEqual([]);
  });

  it("reads plaintext metadata without the app's configuration (scripts such as the sandboxes have none)", () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL; // getEnv() would now throw: only a sealed value may need it
    try {
      expect(readConnectionMetadata({ integrationId: "github-app", accountName: "octo" })).toMatchObject({ integrationId: "github-app", accountName: "octo" });
    } finally {
      process.env.DATABASE_URL = saved;
    }
  });
});
