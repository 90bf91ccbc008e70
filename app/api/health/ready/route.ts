import { NextResponse } from "next/server";
import { readiness } from "@/lib/health";

export const dynamic = "force-dynamic";

/** Readiness: 200 when this process can serve, 503 (with what is wrong) when it cannot. */
export async function GET() {
  const report = await readiness();
  return NextResponse.json(report, { status: report.status === "ready" ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
