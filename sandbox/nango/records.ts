// Deterministic fake records for the sandbox's syncs. Every value comes from a PRNG seeded by
// (seed, integration, model, record number, version), so tests can assert exact content.
import { createHash } from "node:crypto";

export type RecordData = { id: string } & Record<string, unknown>;

/** mulberry32: tiny, fast and good enough for fake data. */
function prng(seedText: string): () => number {
  let a = createHash("sha256").update(seedText).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PEOPLE = ["ada", "grace", "linus", "margaret", "alan", "barbara", "ken", "radia", "edsger", "frances"];
const TOPICS = ["login", "webhooks", "billing", "search", "onboarding", "exports", "rate limits", "sync", "dashboard", "SSO"];
const PROBLEMS = ["fails on retry", "is slow for large orgs", "shows stale data", "needs a design review", "times out", "breaks on Safari"];
const LABELS = ["bug", "enhancement", "p1", "p2", "backend", "frontend", "docs"];
const REPOS = ["acme/atlas", "acme/docs", "acme/infra"];
const CHANNELS = ["C0GENERAL", "C0ENGINEERING", "C0INCIDENTS"];

type Rand = ReturnType<typeof prng>;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const sentence = (r: Rand) => `${pick(r, TOPICS)} ${pick(r, PROBLEMS)}`;
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** What one record of a model looks like; `n` is the record's number (1, 2, ...), `version` its edit count. */
type Generator = (r: Rand, n: number, version: number, at: string) => RecordData;

const GENERATORS: Record<string, Generator> = {
  Issue_github: (r, n, version, at) => {
    const repository = REPOS[n % REPOS.length]!; // stable across edits, like a real issue's repository
    return {
      id: String(100_000 + n),
      repository,
      number: n,
      title: capital(sentence(r)) + (version > 0 ? ` (edit ${version})` : ""),
      state: version > 0 && r() < 0.5 ? "closed" : "open",
      author: pick(r, PEOPLE),
      labels: [pick(r, LABELS), pick(r, LABELS)].filter((l, i, all) => all.indexOf(l) === i),
      body: `Steps: open ${pick(r, TOPICS)}; it ${pick(r, PROBLEMS)}.`,
      url: `https://github.com/${repository}/issues/${n}`,
      updated_at: at,
    };
  },
  PullRequest_github: (r, n, version, at) => {
    const repository = REPOS[n % REPOS.length]!;
    return {
      id: String(200_000 + n),
      repository,
      number: n,
      title: `Fix ${sentence(r)}` + (version > 0 ? ` (edit ${version})` : ""),
      state: version > 0 && r() < 0.5 ? "merged" : "open",
      author: pick(r, PEOPLE),
      labels: [pick(r, LABELS)],
      body: `Closes #${Math.floor(r() * 500) + 1}.`,
      url: `https://github.com/${repository}/pull/${n}`,
      updated_at: at,
    };
  },
  ContentMetadata_notion: (r, n, version, at) => ({
    id: `page-${String(n).padStart(6, "0")}`,
    type: "page",
    title: `${capital(pick(r, TOPICS))} notes #${n}` + (version > 0 ? ` (edit ${version})` : ""),
    parent: { type: "page_id", id: `page-${String(Math.max(1, Math.floor(r() * n))).padStart(6, "0")}` },
    text: `Meeting notes about ${pick(r, TOPICS)}: ${sentence(r)}.`,
    url: `https://www.notion.so/page-${n}`,
    last_edited_at: at,
  }),
  Issue_jira: (r, n, version, at) => ({
    id: String(10_000 + n),
    key: `ATL-${n}`,
    project: { key: "ATL", name: "Atlas" },
    summary: capital(sentence(r)) + (version > 0 ? ` (edit ${version})` : ""),
    status: version > 0 ? pick(r, ["In Progress", "Done"]) : "To Do",
    assignee: pick(r, PEOPLE),
    description: `When ${pick(r, TOPICS)} ${pick(r, PROBLEMS)}, customers cannot continue.`,
    url: `https://acme.atlassian.net/browse/ATL-${n}`,
    updated_at: at,
  }),
  Message_slack: (r, n, version, at) => {
    const ts = `${1_760_000_000 + n * 60}.${String(n).padStart(6, "0")}`;
    return {
      id: ts,
      ts,
      channel: CHANNELS[n % CHANNELS.length]!,
      author: pick(r, PEOPLE),
      thread_ts: n > 1 && r() < 0.3 ? `${1_760_000_000 + (n - 1) * 60}.${String(n - 1).padStart(6, "0")}` : null,
      text: `Heads up: ${sentence(r)}` + (version > 0 ? " (edited)" : ""),
      updated_at: at,
    };
  },
  LinearIssue_linear: (r, n, version, at) => ({
    id: `lin-${String(n).padStart(6, "0")}`,
    identifier: `ENG-${n}`,
    title: capital(sentence(r)) + (version > 0 ? ` (edit ${version})` : ""),
    state: version > 0 ? pick(r, ["In Progress", "Done"]) : "Todo",
    assignee: pick(r, PEOPLE),
    team: "Engineering",
    description: `Reported by ${pick(r, PEOPLE)}: ${sentence(r)}.`,
    url: `https://linear.app/acme/issue/ENG-${n}`,
    updated_at: at,
  }),
};

/** A generic record for models without a generator of their own (custom integrations in tests). */
const fallback: Generator = (r, n, version, at) => ({
  id: `rec-${n}`,
  title: capital(sentence(r)) + (version > 0 ? ` (edit ${version})` : ""),
  updated_at: at,
});

export function generateRecord(opts: { seed: string; provider: string; model: string; n: number; version: number; at: string }): RecordData {
  const generate = GENERATORS[`${opts.model}_${opts.provider}`] ?? fallback;
  return generate(prng(`${opts.seed}:${opts.provider}:${opts.model}:${opts.n}:${opts.version}`), opts.n, opts.version, opts.at);
}
