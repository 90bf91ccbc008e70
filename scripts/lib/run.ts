import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
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

/**
 * Runs the Prisma CLI. Prisma 6 validates that the schema's datasource has a url, then (with the driver adapter
 * of prisma.config.ts) warns on every command that the url is not used: a warning nothing can act on, so the
 * start log would never be clean. That block, and only it, is left out of the CLI's output.
 */
export function prisma(args: string[], databaseUrl?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin("prisma"), args, { cwd: ROOT, stdio: ["inherit", "pipe", "inherit"], env: { ...process.env, ...prismaEnv(databaseUrl) } });
    const lines = readline.createInterface({ input: child.stdout! });
    let skipping = false;
    lines.on("line", (line) => {
      if (line.startsWith("WARNING: Your schema specifies the following datasource properties but you are using a Driver Adapter")) skipping = true;
      if (!skipping) process.stdout.write(line + "\n");
      if (skipping && line.startsWith("We recommend you to remove those properties from your schema")) skipping = false;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => (code === 0 ? resolve() : reject(new Error(`prisma ${args.join(" ")} exited with ${signal ?? code}`))));
  });
}
