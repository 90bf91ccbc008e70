// Prisma Migrate through the WebAssembly schema engine (Prisma 6.19 early access): our machines cannot
// download the native schema engine. Upstream bugs in that path are worked around here and only here;
// delete this file when they are fixed upstream (see ../shared/reference/prisma-offline.md).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const NAME_OID = 19; // catalog type `name`
const CHAR_OID = 18; // catalog type `"char"` (pg_constraint.contype, pg_class.relkind, ...)
const TEXT_OID = 25;
const CHARACTER_COLUMN = 6; // ColumnTypeEnum.Character of @prisma/driver-adapter-utils

type Field = { dataTypeID: number };
type PgResult = { fields?: Field[]; rows?: unknown[] } | undefined;
type RawResult = { columnTypes: number[]; rows: unknown[] };
type Queryable = { queryRaw(query: unknown): Promise<RawResult> };

// prisma/orm#27403: adapter-pg throws on `name` and `"char"` columns. Both are reported as text; the
// schema engine, however, reads `"char"` columns as characters and aborts ("RuntimeError: unreachable")
// when it gets text, so those columns are remembered and typed as Character again in queryRaw below.
const charColumnsOf = new WeakMap<object, number[]>();
function retypeCatalogColumns(res: PgResult): PgResult {
  const charColumns: number[] = [];
  res?.fields?.forEach((field, i) => {
    if (field.dataTypeID === CHAR_OID) charColumns.push(i);
    if (field.dataTypeID === CHAR_OID || field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
  });
  if (charColumns.length && res?.rows) charColumnsOf.set(res.rows, charColumns);
  return res;
}

let patched = false;
function patchPg() {
  if (patched) return;
  patched = true;
  const clientQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  // Pool#query calls Client#query with a callback; adapter-pg uses the promise form. Patch both.
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args[args.length - 1] = (err: unknown, res: PgResult) => last(err, err ? res : retypeCatalogColumns(res));
      return clientQuery.apply(this, args);
    }
    const result = clientQuery.apply(this, args) as Promise<PgResult> | undefined;
    return result && typeof result.then === "function" ? result.then(retypeCatalogColumns) : result;
  };
}

function patchQueryRaw(adapter: object) {
  // PgAdapter and PgTransaction share PgQueryable's queryRaw; patch that prototype once.
  let proto = Object.getPrototypeOf(adapter);
  while (proto && !Object.hasOwn(proto, "queryRaw")) proto = Object.getPrototypeOf(proto);
  if (!proto || proto.__atlasCharPatch) return;
  const queryRaw = proto.queryRaw as Queryable["queryRaw"];
  proto.queryRaw = async function (this: Queryable, query: unknown) {
    const result = await queryRaw.call(this, query);
    for (const i of charColumnsOf.get(result.rows) ?? []) result.columnTypes[i] = CHARACTER_COLUMN;
    return result;
  };
  proto.__atlasCharPatch = true;
}

// `migrate dev`'s shadow database: adapter-pg builds it from {...config, database}, which a connectionString
// overrides, and drops it while its pool is still open. Create and drop it ourselves.
export class MigratePg extends PrismaPg {
  constructor(private readonly url: string) {
    patchPg();
    super(new pg.Pool({ connectionString: url }));
  }

  async connect() {
    const adapter = await super.connect();
    patchQueryRaw(adapter);
    return adapter;
  }

  async connectToShadowDb() {
    const admin = new pg.Client({ connectionString: this.url });
    await admin.connect();
    const name = `prisma_shadow_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const shadowUrl = new URL(this.url);
    shadowUrl.pathname = `/${name}`;
    const pool = new pg.Pool({ connectionString: shadowUrl.toString() });
    pool.on("error", () => {});
    const shadow = await new PrismaPg(pool).connect();
    patchQueryRaw(shadow);
    const dispose = async () => {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    };
    return Object.assign(shadow, { dispose });
  }
}
