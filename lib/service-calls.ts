// When Atlas last reached Nango and Zep, and when a call last failed: lib/nango/client.ts and lib/zep/zep.ts
// record every call here, /api/ready (lib/health.ts) reports it. Kept in the database (the ServiceCall
// table, one row per service), not in process memory: in a deployment with `npm run worker` processes the
// workers make most calls, and the web process answering /api/ready would otherwise know only its own.
// Writes are throttled per process (an ingestion makes thousands of calls): at once when the outcome turns
// (answered -> failing or back), otherwise at most every FLUSH_MS; never awaited by the caller, and a
// failed write is only logged (a database outage must not fail a Nango or Zep call).
import "server-only";
import { errorFields, log } from "@/lib/log";

export const SERVICES = ["nango", "zep"] as const;
export type Service = (typeof SERVICES)[number];

/** What a call came to: answered, or failed with a short code (an HTTP status or a network error code). */
export type CallOutcome = { ok: true } | { ok: false; code: string };

export const FLUSH_MS = 15_000;

type Pending = { successAt?: Date; failureAt?: Date; failure?: string };
type Tracker = { pending: Pending; lastOk?: boolean; flushedAt: number; timer?: NodeJS.Timeout; writing?: Promise<void> };

const trackers = new Map<Service, Tracker>();

/** Codes only: a message could carry a host, a URL or a key. */
const safeCode = (code: string) => code.replace(/[^A-Za-z0-9 _.-]/g, "").slice(0, 40) || "ERROR";

export function recordCall(service: Service, outcome: CallOutcome, at: Date = new Date()): void {
  let t = trackers.get(service);
  if (!t) trackers.set(service, (t = { pending: {}, flushedAt: 0 }));
  if (outcome.ok) t.pending.successAt = at;
  else Object.assign(t.pending, { failureAt: at, failure: safeCode(outcome.code) });
  const turned = t.lastOk !== outcome.ok;
  const wait = turned ? 0 : Math.max(0, t.flushedAt + FLUSH_MS - Date.now());
  if (wait === 0) {
    clearTimeout(t.timer);
    t.timer = undefined;
    void flush(service, t);
  } else if (!t.timer) {
    t.timer = setTimeout(() => {
      t.timer = undefined;
      void flush(service, t);
    }, wait);
    t.timer.unref(); // a pending write must not keep a script alive
  }
  t.lastOk = outcome.ok;
}

async function flush(service: Service, t: Tracker): Promise<void> {
  await t.writing; // one write at a time per service: a later one carries whatever piled up
  const p = t.pending;
  if (!p.successAt && !p.failureAt) return;
  t.pending = {};
  t.flushedAt = Date.now();
  t.writing = write(service, p).catch((err) => log.debug({ ...errorFields(err), service }, "service call not recorded"));
  await t.writing;
}

async function write(service: Service, p: Pending): Promise<void> {
  // Imported here: the Nango and Zep clients load in scripts that never touch the database.
  const { prisma } = await import("@/lib/db/client");
  // GREATEST: several processes write; a late write of an older call must not move a time backwards.
  await prisma.$executeRaw`
    INSERT INTO "ServiceCall" (service, "lastSuccessAt", "lastFailureAt", "lastFailure", "updatedAt")
    VALUES (${service}, ${p.successAt ?? null}, ${p.failureAt ?? null}, ${p.failure ?? null}, ${new Date()})
    ON CONFLICT (service) DO UPDATE SET
      "lastSuccessAt" = GREATEST("ServiceCall"."lastSuccessAt", EXCLUDED."lastSuccessAt"),
      "lastFailureAt" = GREATEST("ServiceCall"."lastFailureAt", EXCLUDED."lastFailureAt"),
      "lastFailure" = CASE WHEN EXCLUDED."lastFailureAt" >= COALESCE("ServiceCall"."lastFailureAt", EXCLUDED."lastFailureAt")
        THEN EXCLUDED."lastFailure" ELSE "ServiceCall"."lastFailure" END,
      "updatedAt" = EXCLUDED."updatedAt"`;
}

/** Writes what this process has not written yet (tests; a process about to exit). */
export async function flushServiceCalls(): Promise<void> {
  await Promise.all(
    [...trackers].map(([service, t]) => {
      clearTimeout(t.timer);
      t.timer = undefined;
      return flush(service, t);
    }),
  );
}

/** Forgets this process's unwritten calls and throttling (tests). */
export function resetServiceCallTracking(): void {
  for (const t of trackers.values()) clearTimeout(t.timer);
  trackers.clear();
}
