// Runs once when the Next.js server starts. Node-only startup (configuration check, ingestion queue) lives in
// instrumentation-node.ts, imported only in the Node.js runtime: this file is also bundled for the Edge
// runtime, where pg, Prisma and pg-boss cannot load.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startNodeServer } = await import("./instrumentation-node");
    await startNodeServer();
  }
}
