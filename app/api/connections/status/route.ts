import { NextResponse } from "next/server";
import { findViewer } from "@/lib/auth/viewer";
import { connectionStatusByNangoId } from "@/lib/dashboard/connections";

export const dynamic = "force-dynamic";

/** After Connect UI's `connect` event: has the auth webhook landed yet? PENDING until it has. */
export async function GET(request: Request) {
  const viewer = await findViewer();
  if (!viewer) return NextResponse.json({ error: "Sign in first." }, { status: 401 });
  const nangoId = new URL(request.url).searchParams.get("nangoConnectionId")?.slice(0, 128);
  if (!nangoId) return NextResponse.json({ error: "nangoConnectionId is required." }, { status: 400 });
  const connection = await connectionStatusByNangoId(viewer, nangoId);
  return NextResponse.json(connection ?? { status: "PENDING" }, { headers: { "Cache-Control": "no-store" } });
}
