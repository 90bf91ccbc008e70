"use server";
// Admin-only: retry failed records (the selected rows, or every row matching the page's filters).
import { z } from "zod";
import { defineFormAction } from "@/lib/actions";
import { retryFailedRecords } from "@/lib/ingest/failed-records";

// Checkboxes are named "id_<row id>" (a form's repeated names would collapse into one value).
const retryForm = z
  .record(z.string(), z.string())
  .transform((f) => ({
    all: f.scope === "all",
    ids: Object.keys(f).filter((k) => k.startsWith("id_")).map((k) => k.slice(3)).slice(0, 500),
    filters: { provider: f.provider || undefined, connection: f.connection || undefined, errorCode: f.errorCode || undefined, since: f.since || undefined, until: f.until || undefined },
  }));

export const retryFailedRecordsAction = defineFormAction(
  "retryFailedRecords",
  { input: retryForm, role: "ADMIN", revalidate: () => ["/failed-records"] },
  async (viewer, input) => {
    if (!input.all && input.ids.length === 0) return { message: "Select records to retry, or retry all." };
    const r = await retryFailedRecords(viewer, input.all ? { all: true, filters: input.filters } : { ids: input.ids });
    return {
      message: `${r.retried} retried: ${r.written} written, ${r.stillFailed} still refused` + (r.notFound ? `, ${r.notFound} no longer in Nango or disconnected` : "") + ".",
    };
  },
);
