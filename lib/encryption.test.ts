import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decrypt, encrypt, EncryptionError, keyIdOf, parseKeyRing } from "./encryption";

const key = () => randomBytes(32).toString("base64");

describe("encryption at rest", () => {
  it("round-trips, with a fresh nonce each time and the key id in the value", () => {
    const ring = parseKeyRing(`k1:${key()}`)!;
    const a = encrypt("secret ☃", ring);
    const b = encrypt("secret ☃", ring);
    expect(a).not.toBe(b);
    expect(a).not.toContain("secret");
    expect(keyIdOf(a)).toBe("k1");
    expect(decrypt(a, ring)).toBe("secret ☃");
  });

  it("detects a tampered ciphertext instead of decrypting it", () => {
    const ring = parseKeyRing(`k1:${key()}`)!;
    const value = encrypt('{"installationId":"42"}', ring);
    const parts = value.split(":");
    const body = Buffer.from(parts[4], "base64url");
    body[0] ^= 1;
    parts[4] = body.toString("base64url");
    expect(() => decrypt(parts.join(":"), ring)).toThrow(/failed authentication/);
    expect(() => decrypt(value.slice(0, -2), ring)).toThrow(EncryptionError);
  });

  it("decrypts with older keys and encrypts with the first", () => {
    const old = parseKeyRing(`old:${key()}`)!;
    const sealed = encrypt("x", old);
    const both = parseKeyRing(`new:${key()},old:${old.keys.get("old")!.toString("base64")}`)!;
    expect(decrypt(sealed, both)).toBe("x");
    expect(keyIdOf(encrypt("x", both))).toBe("new");
    expect(() => decrypt(sealed, parseKeyRing(`new:${key()}`)!)).toThrow(/key "old"/);
  });

  it("refuses malformed keys", () => {
    expect(parseKeyRing(undefined)).toBeNull();
    expect(parseKeyRing(" ")).toBeNull();
    expect(() => parseKeyRing("k1:c2hvcnQ=")).toThrow(/32 bytes/);
    expect(() => parseKeyRing(key())).toThrow(/id:base64key/);
    const k = key();
    expect(() => parseKeyRing(`a:${k},a:${k}`)).toThrow(/twice/);
  });
});
