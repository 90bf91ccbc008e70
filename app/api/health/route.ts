import { NextResponse } from "next/server";
import { liveness } from "@/lib/health";

export const dynamic = "force-dynamic";

/** Liveness: the process answers. Readiness (database, migrations, queue, Nango, Zep) is /api/ready. */
export function GET() {
  return NextResponse.json(liveness(), { headers: { "Cache-Control": "no-store" } });
}
