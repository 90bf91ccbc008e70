"use client";
// The signed-in person's role for client components rendered outside a page's props (the error boundary),
// so that what they are told to do next fits what they can do.
import { createContext, useContext } from "react";

type Role = "ADMIN" | "MEMBER";
const ViewerRoleContext = createContext<Role | null>(null);

export function ViewerRoleProvider({ role, children }: { role: Role; children: React.ReactNode }) {
  return <ViewerRoleContext.Provider value={role}>{children}</ViewerRoleContext.Provider>;
}

/** null outside the signed-in part of the app. */
export const useViewerRole = () => useContext(ViewerRoleContext);
