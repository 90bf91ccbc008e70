import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { queueSettings } from "./settings";

describe("queueSettings", () => {
  const base = { DATABASE_URL: "postgresql://localhost/atlas" };
  const parse = (env: Record<string, string>) => parseEnv(env, { server: false });

  it("defaults the time budget to half the expiry", () => {
    expect(queueSettings(parse(base)).ingestion).toMatchObject({ expireInSeconds: 1800, timeBudgetSeconds: 900 });
    expect(queueSettings(parse({ ...base, ATLAS_INGEST_EXPIRE_SECONDS: "600" })).ingestion.timeBudgetSeconds).toBe(300);
  });

  it("refuses a time budget that would let a healthy run outlive its expiry", () => {
    expect(() => queueSettings(parse({ ...base, ATLAS_INGEST_EXPIRE_SECONDS: "600", ATLAS_INGEST_TIME_BUDGET_SECONDS: "900" }))).toThrow(
      /ATLAS_INGEST_TIME_BUDGET_SECONDS \(900\) must be less than ATLAS_INGEST_EXPIRE_SECONDS \(600\)/,
    );
  });

  it("needs the database the queue lives in", () => {
    expect(() => queueSettings(parse({}))).toThrow(/DATABASE_URL/);
  });
});
