// GET /syncs/export?<the history's filters>: the Sync history as CSV (lib/export/exports.ts).
import { findViewer } from "@/lib/auth/viewer";
import { searchParamsOf } from "@/lib/dashboard/params";
import { syncHistoryCsv } from "@/lib/export/exports";
import { signInFirst } from "@/lib/export/csv";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const viewer = await findViewer();
  if (!viewer) return signInFirst();
  return syncHistoryCsv(viewer, searchParamsOf(new URL(request.url)));
}
