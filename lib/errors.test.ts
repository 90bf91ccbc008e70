import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, ConflictError, describeError, ForbiddenError, InvalidError, NotFoundError, UnavailableError, UNEXPECTED_MESSAGE } from "./errors";
import { fromNangoError } from "./nango/client";

describe("application errors", () => {
  it("map each kind to one HTTP status and keep the message for the person", () => {
    const cases: [AppError, number][] = [
      [new NotFoundError("gone"), 404],
      [new ForbiddenError("no"), 403],
      [new ConflictError("twice"), 409],
      [new InvalidError("bad"), 400],
      [new UnavailableError("later"), 503],
    ];
    for (const [err, status] of cases) expect(describeError(err)).toEqual({ status, message: err.message, expected: true });
  });

  it("answer anything else generically, so no internal detail reaches the browser", () => {
    expect(describeError(new Error("connection string postgres://secret"))).toEqual({ status: 500, message: UNEXPECTED_MESSAGE, expected: false });
  });

  it("turn zod's validation errors into their messages", () => {
    const parsed = z.object({ name: z.string().min(1, "Name is required") }).safeParse({ name: "" });
    expect(describeError(parsed.error)).toMatchObject({ status: 400, message: "Name is required" });
  });

  it("translate Nango's answers: 429 and network errors are unavailable, 404 not found", () => {
    expect(fromNangoError({ response: { status: 429 } })).toBeInstanceOf(UnavailableError);
    expect(fromNangoError({ response: { status: 404, data: { error: { code: "unknown_connection" } } } })).toBeInstanceOf(NotFoundError);
    expect(fromNangoError({ isAxiosError: true, code: "ECONNREFUSED" })).toBeInstanceOf(UnavailableError);
    const other = new Error("not Nango's");
    expect(fromNangoError(other)).toBe(other);
  });
});
