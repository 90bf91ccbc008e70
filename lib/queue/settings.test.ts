import { describe, expect, it } from "vitest";
import { queueSettings } from "./settings";

describe("queueSettings", () => {
  const base = { DATABASE_URL: "postgresql://localhost/atlas" };

  it("defaults the time budget to half the expiry", () => {
    expect(queueSettings(base).ingestion).toMatchObject({ expireInSeconds: 1800, timeBudgetSeconds: 900 });
    expect(queueSettings({ ...base, ATLAS_INGEST_EXPIRE_SECONDS: "600" }).ingestion.timeBudgetSeconds).toBe(300);
  });

  it("refuses a time budget that would let a healthy run outlive its expiry", () => {
    expect(() => queueSettings({ ...base, ATLAS_INGEST_EXPIRE_SECONDS: "600", ATLAS_INGEST_TIME_BUDGET_SECONDS: "900" })).toThrow(
      /ATLAS_INGEST_TIME_BUDGET_SECONDS \(900\) must be less than ATLAS_INGEST_EXPIRE_SECONDS \(600\)/,
    );
  });

  it("needs the database the queue lives in", () => {
    expect(() => queueSettings({})).toThrow(/DATABASE_URL/);
  });
});
