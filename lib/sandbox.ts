// Sandbox mode: local stand-ins for Nango and Zep, and sign-in as any demo user. It is on only when
// ATLAS_SANDBOX is exactly "1": a production deployment that sets nothing can never run it by accident.
export function isSandbox(): boolean {
  return process.env.ATLAS_SANDBOX === "1";
}
