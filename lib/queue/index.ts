/**
 * Atlas's durable job queue: pg-boss 10 on the app's own PostgreSQL (schema `pgboss` unless
 * ATLAS_QUEUE_SCHEMA says otherwise). Two queues:
 *   atlas-ingestion    one job per SyncJob to ingest ({syncJobId}); see lib/ingest/sync-job.ts
 *   atlas-maintenance  retention and recovery tasks ({task}), on daily / periodic cron schedules
 *
 * Two ways to use it from a process:
 *   startWorkers({ ingestion, maintenance })  work on the queues (and enqueue); `npm run worker`, or the app
 *                                             itself in sandbox/dev via instrumentation.ts
 *   enableIngestionQueue()                    only enqueue: webhooks send jobs, separate workers run them
 * Both are idempotent and keep their state on globalThis, so a second call (or Next's dev server
 * re-evaluating this module) gets the same pg-boss instance and the same handle.
 */
import "server-only";
export { QUEUES, queueSettings, type IngestionJobData, type MaintenanceJobData, type QueueSettings } from "./settings";
export { getBoss, type WorkersHandle } from "./lifecycle";
export { sendIngestion } from "./dispatch";
export { enableIngestionQueue, startWorkers } from "./workers";
export { runMaintenanceTask } from "./maintenance";
export { recoverStaleSyncJobs } from "./recovery";
