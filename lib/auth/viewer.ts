// The one server-side place that answers "who is asking": the signed-in user, their organization and
// role, re-read from the database on every request (a role change or removal takes effect at once).
// Every page, route handler and server action goes through here.
import "server-only";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { prisma } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { auth } from "./config";

export type Viewer = Scope & { name: string | null; email: string; organizationName: string };

async function loadViewer(): Promise<Viewer | null> {
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return null;
  const user = await prisma.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, role: true, organizationId: true, organization: { select: { name: true } } },
  });
  if (!user) return null;
  return {
    userId: user.id,
    organizationId: user.organizationId,
    role: user.role,
    name: user.name,
    email: user.email,
    organizationName: user.organization.name,
  };
}

/** The viewer, or null when nobody (or a since-removed user) is signed in. Cached per request. */
export const findViewer = cache(loadViewer);

/** For pages and server actions: the viewer, or a redirect to sign-in. */
export async function getViewer(): Promise<Viewer> {
  const viewer = await findViewer();
  if (!viewer) redirect("/signin");
  return viewer;
}

/** Admin-only pages answer 404 to members, like a record they may not see. */
export async function getAdmin(): Promise<Viewer> {
  const viewer = await getViewer();
  if (viewer.role !== "ADMIN") notFound();
  return viewer;
}
