// The in-process inbox worker's doorbell, apart from inbox.ts so that the production server's webhook path
// (node.ts, loaded outside Next's bundle) rings the worker the bundle started without loading Prisma.
export type InboxWorker = { wake: () => void };

/** Where this process's inbox worker is found, whichever copy of the module started it. */
export const inboxHolder = globalThis as unknown as { atlasWebhookInbox?: InboxWorker };

/** Called after storing a delivery: an idle worker of this process starts at once. */
export function wakeInbox(): void {
  inboxHolder.atlasWebhookInbox?.wake();
}
