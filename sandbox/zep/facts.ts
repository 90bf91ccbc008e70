/**
 * The sandbox's stand-in for Zep's LLM fact extraction: deterministic, and like Zep's facts, statements
 * that combine fields of an episode ("GitHub issue #12 in acme/atlas is assigned to ben"), not copies of
 * its text. Reads the "Label: value" lines under a heading that Atlas's episodes have; free text without
 * them gives its first sentences as facts.
 */

export type DerivedFact = {
  /** Zep's edge name (relation), e.g. ASSIGNED_TO. */
  name: string;
  fact: string;
  subject: string;
  object: string;
  /** One value at a time per subject (a new one invalidates the old): status, priority, … */
  singleValued: boolean;
};

type Relation = { name: string; verb: (v: string) => string; single?: boolean; many?: boolean };

const RELATIONS: Record<string, Relation> = {
  state: { name: "HAS_STATUS", verb: (v) => `has status ${v}`, single: true },
  status: { name: "HAS_STATUS", verb: (v) => `has status ${v}`, single: true },
  author: { name: "OPENED_BY", verb: (v) => `was opened by ${v}` },
  assignee: { name: "ASSIGNED_TO", verb: (v) => (v === "unassigned" ? "is unassigned" : `is assigned to ${v}`), single: true },
  assignees: { name: "ASSIGNED_TO", verb: (v) => `is assigned to ${v}`, many: true },
  reporter: { name: "REPORTED_BY", verb: (v) => `was reported by ${v}` },
  labels: { name: "HAS_LABEL", verb: (v) => `is labelled ${v}`, many: true },
  project: { name: "BELONGS_TO", verb: (v) => `belongs to project ${v}`, single: true },
  team: { name: "OWNED_BY_TEAM", verb: (v) => `is owned by team ${v}`, single: true },
  priority: { name: "HAS_PRIORITY", verb: (v) => `has priority ${v}`, single: true },
  type: { name: "IS_A", verb: (v) => `is a ${v}`, single: true },
  parent: { name: "PART_OF", verb: (v) => `is part of ${v}`, single: true },
  "last edited by": { name: "EDITED_BY", verb: (v) => `was last edited by ${v}` },
  branches: { name: "MERGES", verb: (v) => `merges ${v}` },
};
// Dates, links and thread positions are attributes, not facts Zep would state.
const SKIPPED = new Set(["url", "created", "closed", "sent", "thread"]);

export function deriveFacts(content: string): DerivedFact[] {
  const lines = content.split("\n");
  let i = 0;
  // A chunk "[heading, part i of n]" names its item on its first line.
  const part = /^\[(.*), part \d+ of \d+\]$/.exec(lines[0] ?? "");
  const heading = part ? part[1]! : (lines[0] ?? "");
  if (part) i = 1;
  if (part && lines[1] && lines[1].startsWith(heading.slice(0, 20))) i = 2;
  const titled = /^(.*?): "(.*)"$/.exec(heading);
  const subject = (titled ? titled[1]! : heading).trim();
  const facts: DerivedFact[] = [];
  const add = (name: string, verb: string, object: string, singleValued = false) =>
    facts.push({ name, fact: `${subject} ${verb}`, subject, object, singleValued });

  if (titled) add("IS_ABOUT", `is about "${titled[2]}"`, titled[2]!, true);
  let labelled = 0;
  for (i = Math.max(i, 1); i < lines.length && lines[i]!.trim() !== ""; i++) {
    const m = /^([A-Za-z][A-Za-z ]{0,30}): (.+)$/.exec(lines[i]!);
    if (!m) continue;
    labelled++;
    const label = m[1]!.toLowerCase();
    if (SKIPPED.has(label)) continue;
    const rel = RELATIONS[label] ?? { name: `HAS_${label.toUpperCase().replace(/\s+/g, "_")}`, verb: (v: string) => `has ${label} ${v}` };
    const values = rel.many ? m[2]!.split(/,\s*/).filter(Boolean) : [m[2]!.trim()];
    for (const v of values) add(rel.name, rel.verb(v), v, rel.single ?? false);
  }
  if (titled || labelled) return facts;
  // Free text: its first sentences, as an extractor would restate them.
  return content
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.split(/\s+/).length >= 3)
    .slice(0, 3)
    .map((s) => ({ name: "STATES", fact: s.slice(0, 300), subject: subject.slice(0, 120), object: s.slice(0, 120), singleValued: false }));
}
