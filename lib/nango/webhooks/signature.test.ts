// Atlas checks the signature itself (over raw bytes, against two keys during a rotation); it must agree with
// the SDK's own verifyIncomingWebhookRequest on every body the SDK can check.
import { createHmac } from "node:crypto";
import { Nango } from "@nangohq/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signatureHeader, verifySignature } from "./signature";

describe("verifySignature", () => {
  it("agrees with @nangohq/node's verifyIncomingWebhookRequest, for the right key, a wrong key and altered bodies", () => {
    const sdk = new Nango({ apiKey: "unused", webhookSigningKey: "whsec-a" });
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.boolean(), fc.boolean(), (body, rightKey, altered) => {
        const signature = createHmac("sha256", rightKey ? "whsec-a" : "whsec-b").update(body).digest("hex");
        const sent = altered ? `${body} ` : body;
        const headers = { "X-Nango-Hmac-Sha256": signature };
        expect(verifySignature(Buffer.from(sent, "utf8"), signatureHeader(headers), ["whsec-a"])).toBe(sdk.verifyIncomingWebhookRequest(sent, headers));
      }),
    );
  });

  it("accepts either of two keys, refuses malformed signatures, and nothing without a key", () => {
    const body = Buffer.from('{"type":"sync"}');
    const sig = (key: string) => createHmac("sha256", key).update(body).digest("hex");
    expect(verifySignature(body, sig("old"), ["new", "old"])).toBe(true);
    expect(verifySignature(body, sig("new").toUpperCase(), ["new", "old"])).toBe(true);
    expect(verifySignature(body, sig("other"), ["new", "old"])).toBe(false);
    expect(verifySignature(body, sig("new"), [])).toBe(false);
    for (const bad of [undefined, "", "zz", sig("new").slice(2), `${sig("new")}00`]) expect(verifySignature(body, bad, ["new"])).toBe(false);
  });
});
