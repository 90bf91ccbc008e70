// The floor for the webhook bench: a bare node:http server that verifies X-Nango-Hmac-Sha256 over the raw
// body and inserts one row with pg, nothing else. Run as its own process (like the app), port in argv[2].
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import pg from "pg";

const port = Number(process.argv[2]);
const key = process.env.NANGO_WEBHOOK_SIGNING_KEY;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, body bytea NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`);

createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const body = Buffer.concat(chunks);
    const given = Buffer.from(String(req.headers["x-nango-hmac-sha256"] ?? ""), "hex");
    const expected = createHmac("sha256", key).update(body).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401).end();
      return;
    }
    try {
      await pool.query("INSERT INTO bench_floor (body) VALUES ($1)", [body]);
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    } catch {
      res.writeHead(503).end();
    }
  });
}).listen(port, "127.0.0.1", () => process.send?.("listening"));
