import { describe, expect, it } from "vitest";
import { lastErrorOf, whoMustAct } from "./attention";

describe("whoMustAct", () => {
  it("sends expired or revoked authorizations to the owner, refusals to an admin, outages to retry", () => {
    expect(whoMustAct("EXPIRED", "ANYTHING")).toBe("END_USER");
    expect(whoMustAct("ERROR", "TOKEN_REVOKED")).toBe("END_USER");
    expect(whoMustAct("ERROR", "ACCESS_DENIED")).toBe("ADMIN");
    expect(whoMustAct("ERROR", "RATE_LIMIT")).toBe("TRANSIENT");
    expect(whoMustAct("ERROR", "PROVIDER_UNAVAILABLE")).toBe("TRANSIENT");
    expect(whoMustAct("ERROR", undefined)).toBe("ADMIN");
  });
});

describe("lastErrorOf", () => {
  it("reads the seed's lastError shape and ignores anything else", () => {
    expect(lastErrorOf({ lastError: { message: "m", code: "C", timestamp: "t" } })).toEqual({ message: "m", code: "C", timestamp: "t" });
    expect(lastErrorOf({ lastError: "oops" })).toBeNull();
    expect(lastErrorOf(null)).toBeNull();
  });
});
