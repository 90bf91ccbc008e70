// Atlas's configuration: every environment variable the app, its workers and its scripts read, parsed once
// here (defaults, types, ranges). `.env.example` and the README's Configuration table list the same names;
// lib/env.test.ts fails when they drift apart. Everything else reads `getEnv()` (or takes a parsed Env).
import "server-only";
import { z } from "zod";
import { Provider } from "@/generated/prisma/enums";

const PROVIDERS = Object.values(Provider);
type Source = Record<string, string | undefined>;

// Unset and empty ("FOO=" as copied from .env.example) both mean "not set".
const optionalText = z.string().optional();
const url = z.url({ protocol: /^(https?|postgres(ql)?)$/ }).optional();
const int = (min: number, max: number, fallback: number) => {
  const error = `expected a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback);
};
const seconds = (min: number, fallback: number) => {
  const error = `expected a number of seconds from ${min} to ${86_400 * 7}`;
  return z.coerce.number({ error }).min(min, { error }).max(86_400 * 7, { error }).default(fallback);
};
const port = (fallback: number) => int(1, 65_535, fallback);
/** "1" or "0"; anything else is a mistake worth reporting. */
const flag = (fallback: boolean) =>
  z
    .enum(["0", "1"])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "1"));
/** Comma-separated names; an empty list means "not set". */
const list = z
  .string()
  .optional()
  .transform((v) => {
    const items = v?.split(",").map((s) => s.trim()).filter(Boolean);
    return items?.length ? items : undefined;
  });
const cron = (fallback: string) => z.string().regex(/^\S+( \S+){4,5}$/, "expected a cron expression of 5 or 6 fields").default(fallback);

const providerVariables = Object.fromEntries(
  PROVIDERS.flatMap((p) => [
    [`NANGO_INTEGRATION_${p}`, optionalText],
    [`NANGO_SYNCS_${p}`, list],
    [`NANGO_MODELS_${p}`, list],
  ]),
) as Record<`NANGO_INTEGRATION_${Provider}`, typeof optionalText> & Record<`NANGO_${"SYNCS" | "MODELS"}_${Provider}`, typeof list>;

export const WORKER_MODES = ["in-process", "external", "off"] as const;
export const WORKER_QUEUES = ["ingestion", "maintenance", "webhooks"] as const;

const fields = z.object({
    // Database
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: (issue) => (issue.input === undefined ? "required (a postgresql:// URL)" : "expected a postgresql:// URL") }),
    TEST_DATABASE_URL: url,
    ATLAS_EMBEDDED_PG_PORT: port(54329),
    DATABASE_POOL_SIZE: int(1, 1_000, 10),
    // Sign-in
    AUTH_SECRET: optionalText,
    // The public origin people sign in at; the identity provider gets <AUTH_URL>/api/auth/callback/<id>.
    // Auth.js reads it itself; a path would move Auth.js's routes, so only an origin is accepted.
    AUTH_URL: z
      .url({ protocol: /^https?$/ })
      .refine((v) => new URL(v).pathname === "/", "expected an origin such as https://atlas.example.com (no path)")
      // Next.js turns loopback addresses in request URLs into "localhost": the provider would see two callback URLs.
      .refine((v) => !/^(127\.|\[::1\]$)/.test(new URL(v).hostname), "use http://localhost:<port> for a local run, not a loopback address")
      .optional(),
    AUTH_GITHUB_ID: optionalText,
    AUTH_GITHUB_SECRET: optionalText,
    AUTH_OIDC_ISSUER: url,
    AUTH_OIDC_ID: optionalText,
    AUTH_OIDC_SECRET: optionalText,
    AUTH_OIDC_NAME: z.string().default("Single sign-on"),
    // Sandbox mode is on only for exactly "1": a deployment that sets nothing can never run it by accident.
    ATLAS_SANDBOX: z
      .string()
      .optional()
      .transform((v) => v === "1"),
    // Encryption at rest of connection metadata (lib/encryption.ts): "id:base64key,...", the first encrypts.
    ATLAS_ENCRYPTION_KEYS: optionalText,
    // Logs
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    // Zep
    ZEP_API_KEY: optionalText,
    ZEP_BASE_URL: z
      .url({ protocol: /^https?$/ })
      .transform((v) => v.replace(/\/+$/, ""))
      .refine((v) => v.endsWith("/api/v2"), "must end in /api/v2")
      .optional(),
    // Nango
    NANGO_HOST: z
      .url({ protocol: /^https?$/ })
      .default("https://api.nango.dev")
      .transform((v) => v.replace(/\/+$/, "")),
    NANGO_SECRET_KEY: optionalText,
    NANGO_WEBHOOK_SIGNING_KEY: optionalText,
    NANGO_WEBHOOK_PREVIOUS_SIGNING_KEY: optionalText,
    NANGO_CONNECT_UI_URL: z.url({ protocol: /^https?$/ }).default("https://connect.nango.dev"),
    NANGO_PUBLIC_HOST: z.url({ protocol: /^https?$/ }).optional(),
    ...providerVariables,
    // Build directory (read by next.config.mjs, which cannot import this file): a second server from one checkout
    ATLAS_NEXT_DIST_DIR: optionalText,
    // Sandboxes (scripts only)
    NANGO_SANDBOX_PORT: port(3003),
    ZEP_SANDBOX_PORT: port(4011),
    NANGO_SANDBOX_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).default("http://localhost:3000/api/webhooks/nango"),
    // Webhook inbox
    ATLAS_WEBHOOK_FORGED_PER_MINUTE: int(1, 100_000, 30),
    ATLAS_WEBHOOK_APPLY_CONCURRENCY: int(1, 100, 4),
    ATLAS_WEBHOOK_POLL_MS: int(10, 60_000, 500),
    ATLAS_SYNC_REQUEST_PATIENCE_MINUTES: int(1, 1_440, 15),
    // Ingestion queue and maintenance
    ATLAS_WORKERS: z.enum(WORKER_MODES).default("in-process"),
    ATLAS_WORKER_QUEUES: list.pipe(z.array(z.enum(WORKER_QUEUES)).optional()),
    ATLAS_SYNC_JOB_RETENTION_DAYS: int(1, 36_500, 90),
    ATLAS_WEBHOOK_LOG_RETENTION_DAYS: int(1, 36_500, 30),
    ATLAS_RETENTION_CRON: cron("17 3 * * *"),
    ATLAS_INGEST_RECOVERY_CRON: cron("*/10 * * * *"),
    ATLAS_INGEST_CONCURRENCY: int(1, 100, 4),
    ATLAS_INGEST_RETRY_LIMIT: int(0, 1_000, 5),
    ATLAS_INGEST_RETRY_DELAY_SECONDS: seconds(1, 30),
    ATLAS_INGEST_RETRY_BACKOFF: flag(true),
    ATLAS_INGEST_EXPIRE_SECONDS: seconds(1, 1800),
    ATLAS_INGEST_TIME_BUDGET_SECONDS: z.coerce.number().min(1).optional(),
    ATLAS_INGEST_BUSY_RETRY_SECONDS: seconds(1, 5),
    ATLAS_INGEST_PAGE_SIZE: int(1, 10_000, 500),
    ATLAS_INGEST_WRITES_PER_GRAPH: int(1, 64, 8),
    ATLAS_QUEUE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, "expected a lower-case PostgreSQL schema name")
      .default("pgboss"),
    ATLAS_QUEUE_POLLING_SECONDS: seconds(0.5, 2),
    ATLAS_QUEUE_MAINTENANCE_INTERVAL_SECONDS: seconds(1, 60),
    ATLAS_QUEUE_SCHEDULES: flag(true),
    // Admin operations: stalled syncs, alerts
    ATLAS_STALLED_AFTER_MINUTES: int(1, 10_080, 30),
    ATLAS_ALERTS_CRON: cron("*/5 * * * *"),
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    SMTP_FROM: optionalText,
  });

/**
 * Rules between variables. Checked on the raw strings (each side parsed by its own field) so that they are
 * reported together with every field error, not only once all fields are valid.
 */
function relationProblems(input: Source, { server }: ParseOptions): string[] {
  const problems: string[] = [];
  const set = (name: string) => Boolean(input[name]);
  if (server && input.ATLAS_SANDBOX !== "1" && !set("AUTH_SECRET")) problems.push("AUTH_SECRET: required outside sandbox mode (ATLAS_SANDBOX=1): it signs session cookies");
  if (set("AUTH_GITHUB_ID") !== set("AUTH_GITHUB_SECRET")) problems.push("AUTH_GITHUB_ID, AUTH_GITHUB_SECRET: GitHub sign-in needs both");
  const oidc = ["AUTH_OIDC_ISSUER", "AUTH_OIDC_ID", "AUTH_OIDC_SECRET"].filter(set).length;
  if (oidc > 0 && oidc < 3) problems.push("AUTH_OIDC_ISSUER, AUTH_OIDC_ID, AUTH_OIDC_SECRET: OIDC sign-in needs all three");
  // A run that could outlive its expiry would be taken for dead and run twice at once.
  const budget = fields.shape.ATLAS_INGEST_TIME_BUDGET_SECONDS.safeParse(input.ATLAS_INGEST_TIME_BUDGET_SECONDS).data;
  const expiry = fields.shape.ATLAS_INGEST_EXPIRE_SECONDS.safeParse(input.ATLAS_INGEST_EXPIRE_SECONDS).data;
  if (budget !== undefined && expiry !== undefined && budget >= expiry) {
    problems.push(`ATLAS_INGEST_TIME_BUDGET_SECONDS (${budget}) must be less than ATLAS_INGEST_EXPIRE_SECONDS (${expiry})`);
  }
  return problems;
}

const schema = fields.transform((e) => ({
  ...e,
  // The default, half the expiry, leaves room for the record in flight and Zep's retry waits.
  ATLAS_INGEST_TIME_BUDGET_SECONDS: e.ATLAS_INGEST_TIME_BUDGET_SECONDS ?? Math.floor(e.ATLAS_INGEST_EXPIRE_SECONDS / 2),
}));

export type Env = z.output<typeof schema>;

/** The variable names the schema knows (for the drift test and the error message). */
export const ENV_VARIABLES = Object.keys(fields.shape) as string[];

export class EnvError extends Error {
  name = "EnvError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}; see .env.example):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

type ParseOptions = {
  /**
   * The web server's own requirements (AUTH_SECRET outside sandbox mode). Workers, the seed and the scripts
   * sign nobody in, so their lazily parsed configuration (getEnv) does not ask for them.
   */
  server: boolean;
};

/** Parses an environment; throws one EnvError that lists every missing or invalid variable. Pure. */
export function parseEnv(source: Source, options: ParseOptions = { server: true }): Env {
  const input: Source = {};
  for (const name of ENV_VARIABLES) {
    const value = source[name]?.trim();
    if (value) input[name] = value;
  }
  const result = schema.safeParse(input);
  const problems = [
    ...(result.error?.issues.map((i) => `${i.path.join(".") || "(environment)"}: ${i.message}`) ?? []),
    ...relationProblems(input, options),
  ];
  if (problems.length || !result.success) throw new EnvError(problems);
  return result.data;
}

let cached: { key: string; env: Env } | undefined;

/**
 * The process's configuration, parsed on first use (so `next build`, scripts and tests can set variables
 * before). Parsed again only if a variable changed since: tests change process.env between cases. The web
 * server checks its own requirements once at start (instrumentation-node.ts: checkServerEnv).
 */
export function getEnv(): Env {
  const key = ENV_VARIABLES.map((name) => process.env[name] ?? "").join("\0");
  if (cached?.key !== key) cached = { key, env: parseEnv(process.env, { server: false }) };
  return cached.env;
}

/** The web server's start: every problem at once, instead of one at a time on the first requests. */
export function checkServerEnv(): Env {
  return parseEnv(process.env, { server: true });
}

/** What a deployment cannot run without, beyond the web server's own needs, and why (checkDeploymentEnv). */
export const DEPLOYMENT_VARIABLES: Record<string, string> = {
  AUTH_URL: "Atlas's public origin; sign-in callbacks are built from it",
  NANGO_SECRET_KEY: "connections are made and synced through Nango",
  NANGO_WEBHOOK_SIGNING_KEY: "Nango's webhooks are refused without it",
  ZEP_API_KEY: "ingestion and search write to and read from Zep",
  ATLAS_ENCRYPTION_KEYS: "connection and session metadata are encrypted at rest (openssl rand -base64 32)",
};

/**
 * `npm run start:prod`'s check (the deployment path): the server's configuration plus what a real deployment
 * needs (a sign-in provider, Nango, Zep, encryption keys) and never sandbox mode; every problem at once.
 */
export function checkDeploymentEnv(source: Source = process.env): Env {
  const problems: string[] = [];
  let env: Env | undefined;
  try {
    env = parseEnv(source, { server: true });
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    problems.push(...err.problems);
  }
  const set = (name: string) => Boolean(source[name]?.trim());
  if (source.ATLAS_SANDBOX?.trim() === "1") problems.push("ATLAS_SANDBOX: must be unset in a deployment (sandbox sign-in and the local Nango and Zep are `npm start`'s)");
  for (const [name, why] of Object.entries(DEPLOYMENT_VARIABLES)) if (!set(name)) problems.push(`${name}: required for a deployment: ${why}`);
  if (!set("AUTH_OIDC_ISSUER") && !set("AUTH_GITHUB_ID")) problems.push("AUTH_OIDC_ISSUER or AUTH_GITHUB_ID: a deployment needs a sign-in provider (OpenID Connect or GitHub)");
  if (problems.length || !env) throw new EnvError(problems);
  return env;
}

/** LOG_LEVEL alone: logging must work even while the rest of the configuration is broken. */
export function logLevel(): Env["LOG_LEVEL"] {
  const parsed = fields.shape.LOG_LEVEL.safeParse(process.env.LOG_LEVEL?.trim() || undefined);
  return parsed.success ? parsed.data : "info";
}
