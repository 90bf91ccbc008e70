// Nango's error bodies. Two shapes exist in Nango's server: controllers answer {error:{code, message?, errors?}}
// directly (typed ApiError in @nangohq/types), and older services go through NangoError + errResFromNangoErr,
// which answers {error:{message, code, payload}} with a status and message fixed per error type
// (packages/shared/lib/utils/error.ts, packages/shared/lib/utils/error.manager.ts).
import type { ApiError, ValidationError } from "@nangohq/types";
import type { z } from "zod";

export class NangoApiError extends Error {
  constructor(
    readonly status: number,
    /** An ApiError, or (429) Nango's rate-limit body with method and path. */
    readonly body: ApiError<string, ValidationError[] | undefined> | { error: { code: string; method: string; path: string } },
    readonly headers: Record<string, string> = {},
  ) {
    super(body.error.code);
  }
}

/** A controller's own answer: {error:{code, message?}}. */
export const apiError = (status: number, code: string, message?: string) =>
  new NangoApiError(status, { error: { code, ...(message === undefined ? {} : { message }) } });

/** A zod failure as Nango's zodErrorToHTTP reports it (path elements as strings). */
export function validationError(code: "invalid_body" | "invalid_query_params" | "invalid_headers" | "invalid_uri_params", error: z.ZodError) {
  const errors: ValidationError[] = error.issues.map((i) => ({ code: i.code, message: i.message, path: i.path.map(String) }));
  return new NangoApiError(400, { error: { code, errors } });
}

export function parseOr<T>(schema: z.ZodType<T>, value: unknown, code: Parameters<typeof validationError>[0]): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(code, result.error);
  return result.data;
}

/** The NangoError types the sandbox can produce, with Nango's status and message for each. */
const NANGO_ERRORS = {
  missing_auth_header: [401, "Authentication failed. The request is missing the Authorization header."],
  malformed_auth_header: [401, "Authentication failed. The Authorization header is malformed."],
  unknown_account: [401, "Authentication failed. The provided authorization header does not match any account."],
  unknown_connect_session_token: [401, "Authentication failed. The provided connect session token does not match any account."],
  no_syncs_found: [400, "No syncs found given the inputs."],
  unknown_provider_config: [400, "There is no Provider Configuration matching this key."],
  unknown_connection: [404, "No connection matching the provided params of 'connection_id' and 'provider_config_key'."],
} as const satisfies Record<string, readonly [number, string]>;

/**
 * new NangoError(type, payload) answered by errResFromNangoErr. Like Nango, a non-empty payload (and for these
 * types even `{}`) is appended to the message as pretty JSON.
 */
export function nangoError(type: keyof typeof NANGO_ERRORS, payload: Record<string, unknown> = {}) {
  const [status, base] = NANGO_ERRORS[type];
  const withPayload = type === "unknown_connection" || type === "unknown_provider_config";
  const hint = type === "unknown_connection" ? " Please make sure these values exist in the Nango dashboard " : " Please make sure this value exists in the Nango dashboard ";
  const message = withPayload ? `${base}${hint}${JSON.stringify(payload, null, 2)}` : base;
  return new NangoApiError(status, { error: { message, code: type, payload } });
}
