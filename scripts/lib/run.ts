import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ROOT } from "./database";

/** Extra environment variables for a child process, on top of ours. */
export type Env = Record<string, string | undefined>;

const bin = (name: string) => (name === "node" ? process.execPath : path.join(ROOT, "node_modules", ".bin", name));

/** Runs a project binary (node_modules/.bin) to completion; rejects on a non-zero exit. */
export function run(name: string, args: string[], env: Env = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin(name), args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${name} ${args.join(" ")} exited with ${signal ?? code}`)),
    );
  });
}

/** Starts a long-running project binary; the caller stops it. */
export function start(name: string, args: string[], env: Env = {}): ChildProcess {
  return spawn(bin(name), args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } });
}

// Prisma's CLI looks for native engines it would otherwise download (impossible here). With the
// WebAssembly engines nothing executes them, so any existing file satisfies the check.
const prismaEnv = (databaseUrl?: string): Env => ({
  PRISMA_QUERY_ENGINE_LIBRARY: path.join(ROOT, "package.json"),
  PRISMA_SCHEMA_ENGINE_BINARY: path.join(ROOT, "package.json"),
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
});

export const prisma = (args: string[], databaseUrl?: string) => run("prisma", args, prismaEnv(databaseUrl));
