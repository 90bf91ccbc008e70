// The first address of the readiness report; /api/ready is the documented one (the same handler).
export { GET } from "@/app/api/ready/route";

// Route segment config is read from this file itself, not through a re-export.
export const dynamic = "force-dynamic";
