// The one place that builds the Nango SDK client. Configuration comes from the environment:
//   NANGO_HOST                 API base URL (default https://api.nango.dev; the sandbox's url locally)
//   NANGO_SECRET_KEY           the environment's secret/API key (sent as Bearer)
//   NANGO_WEBHOOK_SIGNING_KEY  signs webhooks (verified in webhooks/signature.ts); differs from the secret key
//   NANGO_CONNECT_UI_URL       where browsers open Connect UI (default https://connect.nango.dev)
//   NANGO_PUBLIC_HOST          the API URL as browsers reach it, when it differs from NANGO_HOST
import "server-only";
import { Nango } from "@nangohq/node";
import { getEnv, type Env } from "@/lib/env";
import { AppError, ConflictError, NotFoundError, UnavailableError } from "@/lib/errors";
import { recordCall, type CallOutcome } from "@/lib/service-calls";

export class NangoNotConfiguredError extends UnavailableError {
  constructor(variable: string) {
    super(`${variable} is not set: Atlas cannot reach Nango. Set it, or run the local sandbox (npm start).`);
  }
}

export type NangoSettings = { host: string; secretKey: string; webhookSigningKey: string | undefined };

export function nangoSettings(env: Env = getEnv()): NangoSettings {
  const secretKey = env.NANGO_SECRET_KEY;
  if (!secretKey) throw new NangoNotConfiguredError("NANGO_SECRET_KEY");
  return { host: env.NANGO_HOST, secretKey, webhookSigningKey: env.NANGO_WEBHOOK_SIGNING_KEY };
}

/** What the browser's @nangohq/frontend needs: openConnectUI ignores `host`, so both URLs are passed. */
export type ConnectUiSettings = { baseURL: string; apiURL: string };

export function connectUiSettings(env: Env = getEnv()): ConnectUiSettings {
  return {
    baseURL: env.NANGO_CONNECT_UI_URL,
    apiURL: env.NANGO_PUBLIC_HOST ?? env.NANGO_HOST,
  };
}

// One client per distinct configuration (tests change the environment between files).
const clients = new Map<string, Nango>();

export function nangoClient(env: Env = getEnv()): Nango {
  const s = nangoSettings(env);
  const key = `${s.host}\n${s.secretKey}\n${s.webhookSigningKey ?? ""}`;
  let client = clients.get(key);
  if (!client) {
    client = new Nango(
      { apiKey: s.secretKey, host: s.host, webhookSigningKey: s.webhookSigningKey },
      // Every SDK request passes here: /api/ready reports when Nango last answered (lib/service-calls.ts).
      {
        interceptors: {
          response: {
            onFulfilled: (response) => {
              recordCall("nango", { ok: true });
              return response;
            },
            onRejected: (err: unknown) => {
              recordCall("nango", nangoOutcome(err));
              return Promise.reject(err);
            },
          },
        },
      },
    );
    clients.set(key, client);
  }
  return client;
}

/**
 * A failed request, as the readiness report counts it: no answer, a server error, rate limiting or a refused
 * key mean Nango is not usable; any other answer (a 404 for an unknown connection) means it answered.
 */
export function nangoOutcome(err: unknown): CallOutcome {
  const status = (err as { response?: { status?: number } } | null)?.response?.status;
  if (status === undefined) return { ok: false, code: String((err as { code?: string } | null)?.code || "NO_ANSWER") };
  return status >= 500 || status === 429 || status === 401 || status === 403 ? { ok: false, code: `HTTP ${status}` } : { ok: true };
}

/**
 * An error from a Nango SDK call as an application error (lib/errors.ts), in this one place: 429 and network
 * failures are "unavailable", 404 "not found", other answers name Nango's status and code. Anything that is
 * not a Nango answer is returned unchanged.
 */
export function fromNangoError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const response = (err as { response?: { status?: number; data?: { error?: { message?: string; code?: string } } } } | null)?.response;
  if (response?.status === 429) return new UnavailableError("Nango is rate-limiting Atlas right now; try again in a minute.", { cause: err });
  if (response?.status === 404) return new NotFoundError("Nango does not know this connection any more.", { cause: err });
  if (response?.status) {
    const detail = response.data?.error?.message ?? response.data?.error?.code;
    const message = `Nango answered ${response.status}${detail ? `: ${detail}` : ""}.`;
    return response.status === 409 ? new ConflictError(message, { cause: err }) : new UnavailableError(message, { cause: err });
  }
  const code = String((err as { code?: string } | null)?.code ?? "");
  if ((err as { isAxiosError?: boolean } | null)?.isAxiosError || /^E[A-Z]+$/.test(code)) {
    return new UnavailableError("Nango could not be reached; nothing was changed. Try again shortly.", { cause: err });
  }
  return err;
}
