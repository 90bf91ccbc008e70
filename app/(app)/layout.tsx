import { ActionFeedbackProvider } from "@/components/action-feedback";
import { Nav } from "@/components/nav";
import { QueryProvider } from "@/components/query-provider";
import { ViewerRoleProvider } from "@/components/viewer-role";
import { getViewer } from "@/lib/auth/viewer";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const viewer = await getViewer();
  return (
    <QueryProvider>
      <Nav viewer={viewer} />
      <ViewerRoleProvider role={viewer.role}>
        <ActionFeedbackProvider>
          <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
        </ActionFeedbackProvider>
      </ViewerRoleProvider>
    </QueryProvider>
  );
}
