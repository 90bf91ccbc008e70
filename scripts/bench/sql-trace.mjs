// Scale bench only, preloaded into the measured `next start` (NODE_OPTIONS=--import): appends every SQL
// statement the server sends through `pg` to ATLAS_BENCH_SQL_TRACE as one JSON line, so the bench can count a
// page's statements and replay them directly as the page's floor. Nothing in the app knows about it.
import { appendFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const file = process.env.ATLAS_BENCH_SQL_TRACE;
if (file) {
  const pg = createRequire(path.join(process.cwd(), "package.json"))("pg");
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function traced(config, values, callback) {
    const text = typeof config === "string" ? config : config?.text;
    const params = typeof config === "object" && config?.values ? config.values : Array.isArray(values) ? values : [];
    if (typeof text === "string") appendFileSync(file, JSON.stringify({ text, values: params }) + "\n");
    return query.call(this, config, values, callback);
  };
}
