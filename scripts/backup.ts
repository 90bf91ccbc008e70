// Backups that restore, on any PostgreSQL version (the embedded server is 18; Debian's pg_dump is 15 and
// refuses to dump a newer server). A logical backup of our own, written through `pg`:
//   - one REPEATABLE READ, READ ONLY transaction: every table is read from the same snapshot;
//   - the schema is not dumped: it is the Prisma migrations, whose names the backup lists. Restore applies
//     them (`prisma migrate deploy`) to an empty database and refuses a backup of another schema version;
//   - every table of the `public` schema (but Prisma's history table) as JSON rows (row_to_json), read with
//     a cursor in primary-key order, and loaded back with json_populate_recordset in foreign-key order, in
//     one transaction, with the tables' own triggers off (rows come back as they were, not derived again);
//     sequences are set to where they were;
//   - the pg-boss schema (the job queue) is left out: its jobs are transient copies of SyncJob and webhook
//     rows, which the recovery task re-sends after a restore, and pg-boss creates its schema on start.
// File: gzip'd lines. The header (JSON), then per table "#table {...}", one JSON object per row, "#end {rows,
// sha256}"; then "#trailer {...}". Rows are JSON objects, so they never start with "#".
import { createReadStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import { createHash } from "node:crypto";
import { once } from "node:events";
import readline from "node:readline";
import { pipeline } from "node:stream/promises";
import { PassThrough } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import pg from "pg";

export const BACKUP_FORMAT = "atlas-backup";
export const BACKUP_VERSION = 1;
const BATCH = 1000;

type Header = {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  server: string;
  database: string;
  migrations: string[];
  tables: string[];
};
type TableEnd = { end: string; rows: number; sha256: string };
type Trailer = { trailer: true; sequences: { name: string; value: string | null }[]; tables: number; rows: number };

export type BackupSummary = { file: string; tables: Record<string, number>; migrations: number };

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: "atlas-backup" });
  await client.connect();
  return client;
}

/** Tables of `public` (but Prisma's history), parents before children. */
async function tablesInDependencyOrder(client: pg.Client): Promise<string[]> {
  const { rows: tables } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations' ORDER BY 1`,
  );
  const { rows: edges } = await client.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = 'public' AND c.oid <> p.oid`,
  );
  const names = tables.map((t) => t.name);
  const parents = new Map(names.map((n) => [n, new Set<string>()]));
  for (const e of edges) parents.get(e.child)?.add(e.parent);
  const ordered: string[] = [];
  const done = new Set<string>();
  while (ordered.length < names.length) {
    const ready = names.filter((n) => !done.has(n) && [...parents.get(n)!].every((p) => done.has(p) || !parents.has(p)));
    if (!ready.length) throw new Error(`Foreign keys form a cycle among: ${names.filter((n) => !done.has(n)).join(", ")}`);
    for (const n of ready) {
      done.add(n);
      ordered.push(n);
    }
  }
  return ordered;
}

async function primaryKey(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ column: string }>(
    `SELECT a.attname AS column FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [`public.${q(table)}`],
  );
  return rows.map((r) => r.column);
}

async function appliedMigrations(client: pg.Client): Promise<string[]> {
  const exists = await client.query<{ ok: boolean }>("SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS ok");
  if (!exists.rows[0].ok) return [];
  const { rows } = await client.query<{ migration_name: string }>(
    "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name",
  );
  return rows.map((r) => r.migration_name);
}

async function sequences(client: pg.Client): Promise<Trailer["sequences"]> {
  const { rows } = await client.query<{ name: string; value: string | null }>(
    "SELECT sequencename AS name, last_value::text AS value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1",
  );
  return rows;
}

/** Writes a backup of the database at `url` to `file` (gzip'd JSON lines). */
export async function backup(url: string, file: string): Promise<BackupSummary> {
  const handle = await open(file, "wx"); // never overwrite a backup (fails here, before any work)
  const client = await connect(url).catch(async (err) => {
    await handle.close();
    await rm(file, { force: true });
    throw err;
  });
  const out = new PassThrough();
  const done = pipeline(out, createGzip(), handle.createWriteStream());
  const write = async (line: string) => {
    if (!out.write(line + "\n")) await once(out, "drain");
  };
  const counts: Record<string, number> = {};
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    const migrations = await appliedMigrations(client);
    if (!migrations.length) throw new Error("This database has no applied migrations: nothing Atlas can restore.");
    const tables = await tablesInDependencyOrder(client);
    const header: Header = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      server: (await client.query<{ v: string }>("SHOW server_version")).rows[0].v,
      database: (await client.query<{ d: string }>("SELECT current_database() AS d")).rows[0].d,
      migrations,
      tables,
    };
    await write(JSON.stringify(header));
    for (const table of tables) {
      const key = await primaryKey(client, table);
      const order = key.length ? key.map((c) => `t.${q(c)}`).join(", ") : "t::text";
      await client.query(`DECLARE rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS j FROM public.${q(table)} t ORDER BY ${order}`);
      await write(`#table ${JSON.stringify({ table })}`);
      const hash = createHash("sha256");
      let n = 0;
      for (;;) {
        const { rows } = await client.query<{ j: string }>(`FETCH ${BATCH} FROM rows`);
        for (const r of rows) {
          hash.update(r.j).update("\n");
          await write(r.j);
        }
        n += rows.length;
        if (rows.length < BATCH) break;
      }
      await client.query("CLOSE rows");
      counts[table] = n;
      const end: TableEnd = { end: table, rows: n, sha256: hash.digest("hex") };
      await write(`#end ${JSON.stringify(end)}`);
    }
    const trailer: Trailer = { trailer: true, sequences: await sequences(client), tables: tables.length, rows: Object.values(counts).reduce((a, b) => a + b, 0) };
    await write(`#trailer ${JSON.stringify(trailer)}`);
    await client.query("COMMIT");
    out.end();
    await done;
    return { file, tables: counts, migrations: migrations.length };
  } catch (err) {
    out.destroy(err as Error);
    await done.catch(() => {});
    await rm(file, { force: true }); // no half-written file that looks like a backup
    throw err;
  } finally {
    await client.end();
  }
}

async function* lines(file: string): AsyncGenerator<string> {
  const rl = readline.createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/** The header of a backup file (format, migrations, tables), checked. */
export async function readBackupHeader(file: string): Promise<Header> {
  for await (const line of lines(file)) {
    const header = JSON.parse(line) as Header;
    if (header.format !== BACKUP_FORMAT) throw new Error(`${file} is not an Atlas backup.`);
    if (header.version > BACKUP_VERSION) throw new Error(`${file} is a version ${header.version} backup; this Atlas reads version ${BACKUP_VERSION} and older.`);
    return header;
  }
  throw new Error(`${file} is empty.`);
}

/** Refuses a database that already holds data: a restore never merges into or overwrites one. */
export async function assertEmptyDatabase(url: string): Promise<void> {
  const client = await connect(url);
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
    );
    for (const { name } of rows) {
      if (name === "_prisma_migrations") continue;
      const { rowCount } = await client.query(`SELECT 1 FROM public.${q(name)} LIMIT 1`);
      if (rowCount) throw new Error(`The target database is not empty (table "${name}" has rows). Restore into a new, empty database.`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Loads a backup into the database at `url`, whose schema `migrate` has just brought to the migrations the
 * backup lists (the caller runs `prisma migrate deploy`). All or nothing: one transaction.
 */
export async function restore(url: string, file: string, migrate: () => Promise<void>): Promise<BackupSummary> {
  const header = await readBackupHeader(file);
  await assertEmptyDatabase(url);
  await migrate();
  const client = await connect(url);
  const counts: Record<string, number> = {};
  try {
    const applied = await appliedMigrations(client);
    const missing = header.migrations.filter((m) => !applied.includes(m));
    const extra = applied.filter((m) => !header.migrations.includes(m));
    if (missing.length || extra.length) {
      throw new Error(
        `The backup was made at another schema version. ` +
          (missing.length ? `Migrations in the backup but not in this Atlas: ${missing.join(", ")}. ` : "") +
          (extra.length ? `Migrations of this Atlas newer than the backup: ${extra.join(", ")}. ` : "") +
          `Restore with the Atlas version that made it, then upgrade.`,
      );
    }
    await client.query("BEGIN");
    // The rows are restored as they were: triggers that derive data on insert (rollups, denormalized columns)
    // would count them twice. User triggers only: foreign keys are still checked. Re-enabled before COMMIT.
    for (const t of header.tables) await client.query(`ALTER TABLE public.${q(t)} DISABLE TRIGGER USER`);
    let table: string | null = null;
    let batch: string[] = [];
    let hash = createHash("sha256");
    let n = 0;
    let trailer: Trailer | null = null;
    const flush = async () => {
      if (!batch.length || !table) return;
      await client.query(`INSERT INTO public.${q(table)} SELECT * FROM json_populate_recordset(NULL::public.${q(table)}, $1::json)`, [`[${batch.join(",")}]`]);
      batch = [];
    };
    let first = true;
    for await (const line of lines(file)) {
      if (first) {
        first = false;
        continue;
      }
      if (table === null) {
        if (line.startsWith("#trailer ")) {
          trailer = JSON.parse(line.slice(9)) as Trailer;
          break;
        }
        const marker = line.startsWith("#table ") ? (JSON.parse(line.slice(7)) as { table?: string }) : {};
        if (!marker.table || !header.tables.includes(marker.table)) throw new Error(`Unexpected line in the backup: ${line.slice(0, 80)}`);
        table = marker.table;
        hash = createHash("sha256");
        n = 0;
        continue;
      }
      if (line.startsWith("#end ")) {
        const end = JSON.parse(line.slice(5)) as TableEnd;
        await flush();
        const digest = hash.digest("hex");
        if (end.end !== table || end.rows !== n || end.sha256 !== digest) {
          throw new Error(`The backup's table "${table}" is damaged (${n} rows read, ${end.rows} written; checksum ${digest === end.sha256 ? "equal" : "differs"}).`);
        }
        counts[table] = n;
        table = null;
        continue;
      }
      hash.update(line).update("\n");
      batch.push(line);
      n++;
      if (batch.length >= BATCH) await flush();
    }
    if (!trailer || table !== null) throw new Error("The backup ends early (no trailer): it is incomplete.");
    const unread = header.tables.filter((t) => !(t in counts));
    if (unread.length) throw new Error(`The backup lacks the tables ${unread.join(", ")}: it is incomplete.`);
    for (const s of trailer.sequences) {
      if (s.value !== null) await client.query("SELECT setval($1::regclass, $2::bigint, true)", [`public.${q(s.name)}`, s.value]);
    }
    for (const t of header.tables) await client.query(`ALTER TABLE public.${q(t)} ENABLE TRIGGER USER`);
    await client.query("COMMIT");
    return { file, tables: counts, migrations: header.migrations.length };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

/**
 * Row count and a checksum of every table's rows: two databases with the same figures hold the same data.
 * Independent of the backup format, for verifying a restore. The checksum is the sum of each row's md5 (its
 * text form, first 64 bits): order-independent and computed in one pass, so a table of a million rows costs
 * a scan, not a sort and a string of its whole contents.
 */
export async function tableFingerprints(url: string): Promise<Record<string, { rows: number; md5: string }>> {
  const client = await connect(url);
  try {
    const out: Record<string, { rows: number; md5: string }> = {};
    for (const table of await tablesInDependencyOrder(client)) {
      const { rows } = await client.query<{ n: string; sum: string | null }>(
        `SELECT count(*) AS n, sum(('x' || left(md5(t::text), 16))::bit(64)::bigint::numeric)::text AS sum FROM public.${q(table)} t`,
      );
      out[table] = { rows: Number(rows[0].n), md5: rows[0].sum ?? "" };
    }
    return out;
  } finally {
    await client.end();
  }
}
