import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Provider } from "@/generated/prisma/enums";
import { checkDeploymentEnv, DEPLOYMENT_VARIABLES, ENV_VARIABLES, EnvError, parseEnv } from "./env";

const DB = "postgresql://atlas:atlas@127.0.0.1:54329/atlas";
const problemsOf = (source: Record<string, string | undefined>, server = true): string[] => {
  try {
    parseEnv(source, { server });
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  return [];
};

describe("parseEnv", () => {
  it("defaults everything that has a default", () => {
    const env = parseEnv({ DATABASE_URL: DB, AUTH_SECRET: "s" });
    expect(env).toMatchObject({
      DATABASE_POOL_SIZE: 10,
      ATLAS_SANDBOX: false,
      ATLAS_WORKERS: "in-process",
      LOG_LEVEL: "info",
      NANGO_HOST: "https://api.nango.dev",
      NANGO_CONNECT_UI_URL: "https://connect.nango.dev",
      AUTH_OIDC_NAME: "Single sign-on",
      ATLAS_SYNC_JOB_RETENTION_DAYS: 90,
      ATLAS_WEBHOOK_LOG_RETENTION_DAYS: 30,
      ATLAS_INGEST_EXPIRE_SECONDS: 1800,
      ATLAS_INGEST_TIME_BUDGET_SECONDS: 900,
      ATLAS_INGEST_RETRY_BACKOFF: true,
      ATLAS_QUEUE_SCHEDULES: true,
      ATLAS_QUEUE_SCHEMA: "pgboss",
    });
    expect([env.ATLAS_WORKER_QUEUES, env.NANGO_INTEGRATION_GITHUB, env.NANGO_SYNCS_GITHUB, env.ZEP_API_KEY]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("parses numbers, flags and lists, and treats empty values as unset", () => {
    const env = parseEnv({
      DATABASE_URL: DB,
      ATLAS_SANDBOX: "1",
      DATABASE_POOL_SIZE: " 25 ",
      ATLAS_QUEUE_POLLING_SECONDS: "0.5",
      ATLAS_QUEUE_SCHEDULES: "0",
      ATLAS_WORKER_QUEUES: "maintenance, ",
      NANGO_MODELS_GITHUB: "GithubIssue, PullRequest",
      NANGO_SYNCS_SLACK: " , ",
      NANGO_HOST: "http://localhost:3003/",
      ZEP_BASE_URL: "http://127.0.0.1:4011/api/v2/",
      AUTH_SECRET: "",
      LOG_LEVEL: "",
    });
    expect(env).toMatchObject({
      ATLAS_SANDBOX: true,
      DATABASE_POOL_SIZE: 25,
      ATLAS_QUEUE_POLLING_SECONDS: 0.5,
      ATLAS_QUEUE_SCHEDULES: false,
      ATLAS_WORKER_QUEUES: ["maintenance"],
      NANGO_MODELS_GITHUB: ["GithubIssue", "PullRequest"],
      NANGO_SYNCS_SLACK: undefined,
      NANGO_HOST: "http://localhost:3003",
      ZEP_BASE_URL: "http://127.0.0.1:4011/api/v2",
      LOG_LEVEL: "info",
    });
    expect(env.AUTH_SECRET).toBeUndefined();
  });

  it("lists every problem in one error", () => {
    const problems = problemsOf({
      DATABASE_POOL_SIZE: "ten",
      ATLAS_INGEST_CONCURRENCY: "0",
      ATLAS_INGEST_PAGE_SIZE: "2.5",
      ATLAS_WORKERS: "sometimes",
      ATLAS_SANDBOX: "true",
      ZEP_BASE_URL: "http://localhost:4011",
      ATLAS_QUEUE_SCHEDULES: "yes",
      LOG_LEVEL: "loud",
    });
    for (const name of ["DATABASE_URL", "AUTH_SECRET", "DATABASE_POOL_SIZE", "ATLAS_INGEST_CONCURRENCY", "ATLAS_INGEST_PAGE_SIZE", "ATLAS_WORKERS", "ZEP_BASE_URL", "ATLAS_QUEUE_SCHEDULES", "LOG_LEVEL"]) {
      expect(problems.filter((p) => p.startsWith(`${name}:`)), name).toHaveLength(1);
    }
    expect(problems).toHaveLength(9);
    expect(() => parseEnv({})).toThrow(/DATABASE_URL: required[\s\S]*AUTH_SECRET: required outside sandbox mode/);
  });

  it("asks for AUTH_SECRET only of the web server outside sandbox mode", () => {
    expect(problemsOf({ DATABASE_URL: DB })).toEqual([expect.stringMatching(/^AUTH_SECRET: required outside sandbox mode/)]);
    expect(problemsOf({ DATABASE_URL: DB, ATLAS_SANDBOX: "1" })).toEqual([]);
    expect(problemsOf({ DATABASE_URL: DB }, false)).toEqual([]);
  });

  it("refuses URLs of the wrong kind and half-configured sign-in", () => {
    expect(problemsOf({ DATABASE_URL: "mysql://db/atlas", AUTH_SECRET: "s" })).toEqual(["DATABASE_URL: expected a postgresql:// URL"]);
    expect(problemsOf({ DATABASE_URL: DB, AUTH_SECRET: "s", AUTH_GITHUB_ID: "id" })).toEqual([expect.stringMatching(/GitHub sign-in needs both/)]);
    expect(problemsOf({ DATABASE_URL: DB, AUTH_SECRET: "s", AUTH_OIDC_ID: "id", AUTH_OIDC_SECRET: "x" })).toEqual([expect.stringMatching(/OIDC sign-in needs all three/)]);
    expect(problemsOf({ DATABASE_URL: DB, AUTH_SECRET: "s", NANGO_HOST: "api.nango.dev" })).toHaveLength(1);
  });

  it("keeps ranges: retention ≥ 1 day, ports, and a time budget below the expiry", () => {
    expect(problemsOf({ DATABASE_URL: DB, AUTH_SECRET: "s", ATLAS_SYNC_JOB_RETENTION_DAYS: "0" })).toHaveLength(1);
    expect(problemsOf({ DATABASE_URL: DB, AUTH_SECRET: "s", ATLAS_WEBHOOK_LOG_RETENTION_DAYS: "1.5" })).toHaveLength(1);
    expect(problemsOf({ DATABASE_URL: DB, AUTH_SECRET: "s", NANGO_SANDBOX_PORT: "70000" })).toHaveLength(1);
    expect(problemsOf({ DATABASE_URL: DB, AUTH_SECRET: "s", ATLAS_QUEUE_POLLING_SECONDS: "0.1" })).toHaveLength(1);
    expect(problemsOf({ DATABASE_URL: DB, AUTH_SECRET: "s", ATLAS_INGEST_EXPIRE_SECONDS: "600", ATLAS_INGEST_TIME_BUDGET_SECONDS: "600" })).toEqual([
      "ATLAS_INGEST_TIME_BUDGET_SECONDS (600) must be less than ATLAS_INGEST_EXPIRE_SECONDS (600)",
    ]);
    expect(parseEnv({ DATABASE_URL: DB, AUTH_SECRET: "s", ATLAS_INGEST_EXPIRE_SECONDS: "601" }).ATLAS_INGEST_TIME_BUDGET_SECONDS).toBe(300);
  });
});

describe("checkDeploymentEnv (npm run start:prod)", () => {
  const complete = {
    DATABASE_URL: DB,
    AUTH_SECRET: "s",
    AUTH_URL: "https://atlas.example.com",
    AUTH_OIDC_ISSUER: "https://id.example.com",
    AUTH_OIDC_ID: "atlas",
    AUTH_OIDC_SECRET: "x",
    NANGO_SECRET_KEY: "n",
    NANGO_WEBHOOK_SIGNING_KEY: "w",
    ZEP_API_KEY: "z",
    ATLAS_ENCRYPTION_KEYS: "k1:AAAA",
  };
  const problems = (source: Record<string, string | undefined>) => {
    try {
      checkDeploymentEnv(source);
      return [];
    } catch (err) {
      return (err as EnvError).problems;
    }
  };

  it("accepts a complete deployment", () => {
    expect(problems(complete)).toEqual([]);
    expect(problems({ ...complete, AUTH_OIDC_ISSUER: "", AUTH_OIDC_ID: "", AUTH_OIDC_SECRET: "", AUTH_GITHUB_ID: "g", AUTH_GITHUB_SECRET: "gs" })).toEqual([]);
  });

  it("names every missing variable at once, with the server's own problems, and refuses sandbox mode", () => {
    const found = problems({ DATABASE_URL: DB, ATLAS_SANDBOX: "1" });
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^ATLAS_SANDBOX: must be unset/), expect.stringMatching(/^AUTH_OIDC_ISSUER or AUTH_GITHUB_ID/)]));
    for (const name of Object.keys(DEPLOYMENT_VARIABLES)) expect(found).toContainEqual(expect.stringMatching(new RegExp(`^${name}: required for a deployment`)));
    expect(problems({ ...complete, AUTH_SECRET: "" })).toEqual([expect.stringMatching(/^AUTH_SECRET: required/)]);
    expect(problems({ ...complete, DATABASE_URL: undefined })).toEqual([expect.stringMatching(/^DATABASE_URL: required/)]);
  });
});

// ---- drift between the schema and its documentation -----------------------------------------------

const ROOT = path.resolve(import.meta.dirname, "..");
const PROVIDER_FAMILIES = ["NANGO_INTEGRATION", "NANGO_SYNCS", "NANGO_MODELS"];
const schemaNames = new Set(ENV_VARIABLES);

/** A family `X_<P>` stands for X_GITHUB, X_NOTION, ...: one name per Prisma Provider value. */
const expandFamily = (family: string) => Object.values(Provider).map((p) => `${family}_${p}`);

/** Every documented name, families expanded; unknown families are kept as written so they fail. */
function documented(names: string[]): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    const family = name.match(/^([A-Z0-9_]+)_<P>$/)?.[1];
    if (family && PROVIDER_FAMILIES.includes(family)) expandFamily(family).forEach((n) => out.add(n));
    else out.add(name);
  }
  return out;
}

function envExampleNames(): Set<string> {
  const text = readFileSync(path.join(ROOT, ".env.example"), "utf8");
  const assigned = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
  // Families are described in comments as `NAME_<P>`.
  const families = [...text.matchAll(/^#\s*([A-Z][A-Z0-9_]*_<P>)\s/gm)].map((m) => m[1]);
  return documented([...assigned, ...families]);
}

function readmeNames(): Set<string> {
  const text = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = text.slice(text.indexOf("## Configuration"), text.indexOf("\n## ", text.indexOf("## Configuration") + 1));
  const firstCells = [...section.matchAll(/^\| ([^|]+) \|/gm)].map((m) => m[1]).filter((cell) => cell.includes("`"));
  expect(firstCells.length).toBeGreaterThan(10);
  return documented(firstCells.flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1])));
}

describe("documentation of the configuration", () => {
  it.each([
    [".env.example", envExampleNames],
    ["README.md's Configuration table", readmeNames],
  ])("%s names exactly the schema's variables", (_, names) => {
    const docs = names();
    expect([...docs].filter((n) => !schemaNames.has(n)).sort(), "documented, not in lib/env.ts").toEqual([]);
    expect([...schemaNames].filter((n) => !docs.has(n)).sort(), "in lib/env.ts, not documented").toEqual([]);
  });
});

describe("README's Deploying section", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const deploying = readme.slice(readme.indexOf("## Deploying"), readme.indexOf("\n## ", readme.indexOf("## Deploying") + 1));

  it("names every variable a deployment needs, the sign-in callback paths and the deployment command", () => {
    expect(deploying.length).toBeGreaterThan(500);
    for (const name of ["DATABASE_URL", "AUTH_SECRET", "AUTH_OIDC_ISSUER", "AUTH_OIDC_ID", "AUTH_OIDC_SECRET", ...Object.keys(DEPLOYMENT_VARIABLES)]) {
      expect(deploying, name).toContain(`\`${name}\``);
    }
    expect(deploying).toContain("/api/auth/callback/oidc");
    expect(deploying).toContain("/api/webhooks/nango");
    expect(deploying).toContain("npm run start:prod");
  });
});
