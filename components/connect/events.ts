/** Dispatched on window after "sync now" / "simulate sync": RunningSyncs watches for the job to appear. */
export const SYNC_REQUESTED_EVENT = "atlas:sync-requested";
