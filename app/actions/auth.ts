"use server";
import { z } from "zod";
import { SANDBOX_PROVIDER_ID, signIn, signOut } from "@/lib/auth/config";
import { isSandbox } from "@/lib/sandbox";

export async function signOutAction() {
  await signOut({ redirectTo: "/signin" });
}

export async function signInWithProvider(form: FormData) {
  const provider = z.string().min(1).max(32).parse(form.get("provider"));
  await signIn(provider, { redirectTo: "/" });
}

/** Sandbox only: sign in as a demo user by email. Without ATLAS_SANDBOX=1 the provider does not exist. */
export async function signInAsDemoUser(form: FormData) {
  if (!isSandbox()) throw new Error("Sandbox sign-in is disabled.");
  const email = z.email().parse(form.get("email"));
  await signIn(SANDBOX_PROVIDER_ID, { email, redirectTo: "/" });
}
