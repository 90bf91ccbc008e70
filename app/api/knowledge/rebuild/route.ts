import { NextResponse } from "next/server";
import { findViewer } from "@/lib/auth/viewer";
import { latestRebuild } from "@/lib/ingest/rebuild";

export const dynamic = "force-dynamic";

/** A connection's latest knowledge rebuild, polled by its page while it runs. Admins only (404 otherwise). */
export async function GET(request: Request) {
  const viewer = await findViewer();
  if (!viewer) return NextResponse.json({ error: "Sign in first." }, { status: 401 });
  if (viewer.role !== "ADMIN") return NextResponse.json({ error: "Not found." }, { status: 404 });
  const connectionId = new URL(request.url).searchParams.get("connectionId")?.slice(0, 64);
  if (!connectionId) return NextResponse.json({ error: "connectionId is required." }, { status: 400 });
  const rebuild = await latestRebuild(viewer, connectionId);
  return NextResponse.json({ rebuild }, { headers: { "Cache-Control": "no-store" } });
}
