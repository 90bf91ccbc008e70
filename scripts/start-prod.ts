// `npm run start:prod`: the deployment path (README, "Deploying"). In order:
//   1. the configuration: DATABASE_URL (never the embedded PostgreSQL), never sandbox mode, and everything a
//      deployment needs (lib/env.ts checkDeploymentEnv), every problem named at once, before anything starts;
//   2. the Prisma client generated, then pending migrations applied (`migrate deploy`) to DATABASE_URL;
//   3. `next build`, unless the build in the dist directory was made from this very source (commit and
//      uncommitted changes, recorded in <distDir>/atlas-build.json): --no-build uses the build as it is,
//      --build forces one;
//   4. the web server (scripts/server.ts: Next's request handler, Nango's webhooks answered ahead of it;
//      other arguments go to it, e.g. --hostname 127.0.0.1) and, unless
//      ATLAS_WORKERS says otherwise, one `npm run worker` process beside it: the web process only enqueues
//      (ATLAS_WORKERS=external), the worker works the queues and applies webhooks.
// SIGTERM or SIGINT stops both: the server stops accepting connections and finishes its requests, the worker lets
// running jobs stop at a record boundary (pg-boss waits for them) and exits. If either exits on its own, the
// other is stopped and this exits non-zero, so a supervisor (systemd, Docker, Kubernetes) restarts the whole.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { waitForDatabase } from "@/lib/db/wait";
import { ROOT, ensureDatabase } from "./lib/database";
import { prisma, run } from "./lib/run";
import { webServerCommand } from "./lib/web-server";

const SERVER_CONDITIONS = ["--conditions=react-server"];
/** Longer than the worker's own wait for running jobs (pg-boss's graceful stop: 30 s). */
const STOP_TIMEOUT_MS = 45_000;

class Refused extends Error {}

/** The source a build is made from: HEAD plus any uncommitted change (null without git: always build). */
export function sourceFingerprint(root: string = ROOT): { commit: string; dirty: boolean; fingerprint: string } | null {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 256 * 1024 * 1024 });
  try {
    const commit = git("rev-parse", "HEAD").trim();
    const status = git("status", "--porcelain=v1", "--untracked-files=all");
    const hash = createHash("sha256").update(commit).update("\0").update(status);
    if (status) {
      hash.update(git("diff", "HEAD", "--binary"));
      for (const line of status.split("\n")) {
        if (!line.startsWith("?? ")) continue;
        const file = path.join(root, line.slice(3));
        if (existsSync(file)) hash.update(readFileSync(file));
      }
    }
    return { commit, dirty: Boolean(status), fingerprint: hash.digest("hex") };
  } catch {
    return null;
  }
}

type BuildDecision = { build: boolean; reason: string };

/** Whether `next build` must run: --build / --no-build, else whether distDir's stamp matches the source. */
export function buildDecision(distDir: string, flags: { build: boolean; noBuild: boolean }, source = sourceFingerprint()): BuildDecision {
  const built = existsSync(path.join(distDir, "BUILD_ID"));
  if (flags.noBuild) {
    if (!built) throw new Refused(`--no-build: there is no build in ${path.relative(ROOT, distDir) || distDir}/ (run once without --no-build).`);
    return { build: false, reason: "--no-build: using the existing build" };
  }
  if (flags.build) return { build: true, reason: "--build" };
  if (!source) return { build: true, reason: "no git checkout, so no way to tell whether the build is current" };
  const short = `${source.commit.slice(0, 7)}${source.dirty ? " with uncommitted changes" : ""}`;
  let stamp: { fingerprint?: string } = {};
  try {
    stamp = JSON.parse(readFileSync(path.join(distDir, STAMP), "utf8")) as { fingerprint?: string };
  } catch {
    // no stamp: a build by hand, or none
  }
  if (built && stamp.fingerprint === source.fingerprint) return { build: false, reason: `the build is current for ${short}` };
  return { build: true, reason: built ? `the build is not from this source (${short})` : `no build yet (${short})` };
}

const STAMP = "atlas-build.json";

function say(line: string) {
  console.log(`[start:prod] ${line}`);
}

export async function startProd(args: string[]): Promise<number> {
  const flags = { build: args.includes("--build"), noBuild: args.includes("--no-build") };
  const nextArgs = args.filter((a) => a !== "--build" && a !== "--no-build" && a !== "--");
  try {
    const url = process.env.DATABASE_URL?.trim();
    if (!url) {
      throw new Refused(
        "DATABASE_URL is not set. start:prod runs against your PostgreSQL only, never the embedded one:\n" +
          "  DATABASE_URL=postgresql://atlas:<password>@<host>:5432/atlas npm run start:prod",
      );
    }
    // The configuration first: lib/env.ts needs the generated client's enums, which generate writes.
    await prisma(["generate"], url);
    const { checkDeploymentEnv, EnvError } = await import("@/lib/env");
    const { parseKeyRing, EncryptionError } = await import("@/lib/encryption");
    let mode;
    try {
      const env = checkDeploymentEnv();
      parseKeyRing(env.ATLAS_ENCRYPTION_KEYS);
      mode = env.ATLAS_WORKERS;
    } catch (err) {
      if (err instanceof EnvError) throw new Refused(`${err.message}\nNothing was started.`);
      if (err instanceof EncryptionError) throw new Refused(`${err.message}\nNothing was started.`);
      throw err;
    }

    // The database may still be starting (a deployment's start order): wait for it, saying so.
    await waitForDatabase(url, { serverOnly: true, onWaiting: (reason) => say(`waiting for the database: ${reason}`) }).catch((err: Error) => {
      throw new Refused(`${err.message}. Nothing was started.`);
    });
    await ensureDatabase(url);
    say("applying pending migrations (prisma migrate deploy)");
    await prisma(["migrate", "deploy"], url);

    const distDir = path.resolve(ROOT, process.env.ATLAS_NEXT_DIST_DIR || ".next");
    const decision = buildDecision(distDir, flags);
    say(`${decision.build ? "building" : "not building"}: ${decision.reason}`);
    if (decision.build) {
      await run("next", ["build"], { NEXT_TELEMETRY_DISABLED: "1" });
      // Taken after the build: `next build` may itself rewrite tracked files (tsconfig.json's include).
      const source = sourceFingerprint();
      if (source) await writeFile(path.join(distDir, STAMP), JSON.stringify({ commit: source.commit, fingerprint: source.fingerprint, builtAt: new Date().toISOString() }, null, 2));
    }

    return await supervise(mode, nextArgs);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    console.error(`\n${err.message}`);
    return 1;
  }
}

/** The web server and the worker, until a signal or until one of them exits. */
function supervise(mode: "in-process" | "external" | "off", nextArgs: string[]): Promise<number> {
  const port = process.env.PORT || "3000";
  // Workers in a process of their own: Next exits as soon as its requests are done, and would cut a running job.
  const worker = mode === "in-process";
  const children: Array<{ name: string; child: ChildProcess; exited?: number | string }> = [];
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
  const web = webServerCommand(port, nextArgs);
  children.push({
    name: "web server",
    child: spawn(web.command, web.args, {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...env, ATLAS_WORKERS: worker ? "external" : mode },
    }),
  });
  if (worker) {
    children.push({
      name: "worker",
      child: spawn(process.execPath, [...SERVER_CONDITIONS, "--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], { cwd: ROOT, stdio: "inherit", env }),
    });
  }
  say(`Atlas on port ${port}: the web server (scripts/server.ts)${worker ? " and a worker process" : ` (ATLAS_WORKERS=${mode}: no worker started here)`}`);

  return new Promise((resolve) => {
    let stopping: string | null = null;
    let failed = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = why;
      say(`stopping (${why})`);
      for (const c of children) if (c.exited === undefined) c.child.kill("SIGTERM");
      setTimeout(() => {
        for (const c of children) {
          if (c.exited !== undefined) continue;
          say(`${c.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
          c.child.kill("SIGKILL");
        }
      }, STOP_TIMEOUT_MS).unref();
    };
    for (const c of children) {
      c.child.on("exit", (code, signal) => {
        c.exited = signal ?? code ?? 0;
        if (!stopping) {
          failed = true;
          say(`${c.name} exited on its own (${c.exited}); stopping the rest`);
          stop(`${c.name} exited`);
        }
        if (children.every((x) => x.exited !== undefined)) {
          say("stopped");
          resolve(failed ? 1 : 0);
        }
      });
    }
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
}
