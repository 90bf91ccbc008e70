import { NextResponse } from "next/server";
import { findViewer } from "@/lib/auth/viewer";
import { runningSyncs } from "@/lib/dashboard/sync-history";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const viewer = await findViewer();
  if (!viewer) return NextResponse.json({ error: "Sign in first." }, { status: 401 });
  const connectionId = new URL(request.url).searchParams.get("connectionId")?.slice(0, 64) || undefined;
  const running = await runningSyncs(viewer, connectionId);
  return NextResponse.json({ running }, { headers: { "Cache-Control": "no-store" } });
}
