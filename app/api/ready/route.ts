import { NextResponse } from "next/server";
import { readiness } from "@/lib/health";

export const dynamic = "force-dynamic";

/**
 * Readiness (lib/health.ts): the database, migrations, queue, Nango and Zep, each ok, degraded or down.
 * 503 only when the app cannot serve (database or migrations); a degraded dependency answers 200.
 */
export async function GET() {
  const report = await readiness();
  return NextResponse.json(report, { status: report.status === "not ready" ? 503 : 200, headers: { "Cache-Control": "no-store" } });
}
