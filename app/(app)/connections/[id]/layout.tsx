import { notFound } from "next/navigation";
import { getViewer } from "@/lib/auth/viewer";
import { canSeeConnection } from "@/lib/dashboard/sync-history";

// The access check sits in a layout, above any streaming boundary, so a connection the viewer may not
// see answers with a real 404 status, exactly like one that does not exist. (No loading.tsx here: a
// streamed page has already sent 200 when it finds out.)
export default async function ConnectionLayout({ children, params }: { children: React.ReactNode; params: Promise<{ id: string }> }) {
  const viewer = await getViewer();
  const { id } = await params;
  if (!(await canSeeConnection(viewer, id))) notFound();
  return children;
}
