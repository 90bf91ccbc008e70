import { Nav } from "@/components/nav";
import { QueryProvider } from "@/components/query-provider";
import { getViewer } from "@/lib/auth/viewer";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const viewer = await getViewer();
  return (
    <QueryProvider>
      <Nav viewer={viewer} />
      <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
    </QueryProvider>
  );
}
