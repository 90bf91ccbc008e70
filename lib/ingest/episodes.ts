/**
 * Pure functions: one Nango record → the Zep episodes that describe it. One reader per provider model lives
 * here, which is why the file is long; each is short and tested in episodes.test.ts.
 *
 * Episodes are plain text written the way a person would describe the item ("GitHub issue #12 in
 * acme/atlas …, State: open, Labels: bug"), because Zep extracts entities and facts from the text; a
 * JSON dump would lose which field means what.
 *
 * Decisions:
 * - `createdAt` is when the described state became true in the source: the record's own "updated" time,
 *   else its "created" time (for a deletion, Nango's deleted_at), never the ingestion time.
 * - Text over Zep's 10,000 characters becomes ordered chunks, each starting with one line naming the item
 *   and "part i of n"; removing that line from each chunk and concatenating gives the text back exactly.
 * - A DELETED record still gets a text ("X was deleted on D"), but ingestion does not send it: it deletes
 *   the record's episodes by the uuids the ledger keeps (lib/ingest/ingest.ts).
 */
import "server-only";
import { createHash } from "node:crypto";
import type { EpisodeInput, EpisodeMetadata } from "@/lib/zep";
import { MAX_EPISODE_CHARS } from "@/lib/zep";

export type NangoRecordMetadata = {
  first_seen_at: string;
  last_modified_at: string;
  last_action: "ADDED" | "UPDATED" | "DELETED";
  deleted_at: string | null;
  cursor: string;
  pruned_at?: string | null;
};

export type NangoRecord = { id: string | number; _nango_metadata: NangoRecordMetadata } & Record<string, unknown>;

export type ProviderName = "github" | "notion" | "jira" | "slack" | "linear";

export type RecordSource = {
  provider: ProviderName;
  /** Nango's connection id. */
  connectionId: string;
  /** The Nango model the record came from, e.g. "Issue", "PullRequest", "Message". */
  model: string;
};

/** An episode ready for writeEpisode, with the key that makes re-ingesting it detectable. */
export type EpisodeDraft = EpisodeInput & { key: string; metadata: EpisodeMetadata; /** The item's heading, for the ledger. */ title: string };

/** What a record says, before it becomes text: a title line, labelled facts and a free-text body. */
type Described = {
  kind: string; // "GitHub issue", "Jira issue", …
  heading: string; // 'GitHub issue #12 in acme/atlas: "Login fails"'
  fields: Array<[string, string | undefined]>;
  body?: string;
  url?: string;
  createdAt?: string;
  updatedAt?: string;
};

export function isDeletion(record: NangoRecord): boolean {
  return record._nango_metadata?.last_action === "DELETED";
}

export function recordToEpisodes(record: NangoRecord, source: RecordSource): EpisodeDraft[] {
  const meta = record._nango_metadata;
  // Without these the episode key is not deterministic, and idempotency with it: refuse rather than guess.
  if (record.id === undefined || record.id === null || !meta?.last_modified_at || !meta.last_action)
    throw new TypeError(`Nango record ${String(record.id)} lacks id or _nango_metadata.last_modified_at/last_action`);
  const d = describe(record, source);
  const deleted = isDeletion(record);
  const createdAt = toIso(deleted ? (meta.deleted_at ?? meta.last_modified_at) : (d.updatedAt ?? d.createdAt ?? meta.last_modified_at));

  const text = deleted
    ? `${d.heading} was deleted in ${providerLabel(source.provider)}${createdAt ? ` on ${createdAt}` : ""}. Facts about it are no longer current.` +
      (d.url ? `\nURL: ${d.url}` : "")
    : render(d);
  const chunks = chunkText(text, `${d.heading}`);
  const keys = episodeKeysOf(source, { recordId: String(record.id), version: meta.last_modified_at, action: meta.last_action, chunkCount: chunks.length });

  return chunks.map((data, i) => {
    const key = keys[i]!;
    const metadata: EpisodeMetadata = {
      provider: source.provider,
      connectionId: source.connectionId,
      model: source.model,
      recordId: String(record.id),
      action: meta.last_action,
      modifiedAt: meta.last_modified_at,
      chunkIndex: i,
      chunkCount: chunks.length,
      episodeKey: key,
    };
    if (d.url) metadata.url = d.url; // 10th and last key: Zep allows no more
    return {
      key,
      title: d.heading,
      type: "text",
      data,
      createdAt,
      sourceDescription: `${d.kind} from ${providerLabel(source.provider)} (Nango connection ${source.connectionId})`,
      metadata,
    };
  });
}

// ---- chunking -------------------------------------------------------------------------------------

/**
 * Splits `text` into pieces of at most `limit` characters, each prefixed by a line naming the item and
 * "part i of n". Cuts prefer paragraph, line, then word boundaries; no character is dropped or changed.
 * Text that fits is returned as it is, without a prefix.
 */
/**
 * The episode keys of one version of a record, chunk by chunk: the same version gives the same keys, so a
 * chunk whose answer was lost can be looked for (findEpisodeByKey). A ledger row has all it takes.
 */
export function episodeKeysOf(source: RecordSource, v: { recordId: string; version: string; action: string; chunkCount: number }): string[] {
  const baseKey = createHash("sha256")
    .update([source.connectionId, source.model, v.recordId, v.version, v.action].join("\u0000"))
    .digest("hex")
    .slice(0, 24);
  return Array.from({ length: v.chunkCount }, (_, i) => `${baseKey}-${i}`);
}

/** The first line of chunk `i` (0-based) of `n` of an item whose heading is `heading`: what a lookup by key searches for. */
export function chunkHeadline(heading: string, i: number, n: number): string {
  return n > 1 ? partLine(heading, i + 1, n) : (heading.split("\n", 1)[0] ?? "");
}

const partLine = (itemName: string, i: number, n: number) => {
  const oneLine = itemName.replace(/\s+/g, " ");
  return `[${oneLine.length > 200 ? `${oneLine.slice(0, 199)}…` : oneLine}, part ${i} of ${n}]`;
};

export function chunkText(text: string, itemName: string, limit = MAX_EPISODE_CHARS): string[] {
  if (text.length <= limit) return [text];
  const prefix = (i: number, n: number) => `${partLine(itemName, i, n)}\n`;
  // The prefix length depends on n's digits, and n on the room the prefix leaves: iterate to a fixed point.
  let n = 2;
  for (;;) {
    const room = limit - prefix(n, n).length;
    const pieces = splitAtBoundaries(text, room);
    if (pieces.length <= n) return pieces.map((p, i) => prefix(i + 1, pieces.length) + p);
    n = pieces.length;
  }
}

/** Strips the "part i of n" line chunkText added (for reassembly and tests). */
export function chunkBody(chunk: string): string {
  return /^\[.*, part \d+ of \d+\]\n/.test(chunk) ? chunk.slice(chunk.indexOf("\n") + 1) : chunk;
}

function splitAtBoundaries(text: string, room: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > room) {
    let end = start + room;
    const window = text.slice(start + Math.floor(room * 0.8), end);
    for (const sep of ["\n\n", "\n", " "]) {
      const at = window.lastIndexOf(sep);
      if (at >= 0) {
        end = start + Math.floor(room * 0.8) + at + sep.length;
        break;
      }
    }
    // Never cut a surrogate pair (an emoji) in half.
    if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  pieces.push(text.slice(start));
  return pieces;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

// ---- rendering ------------------------------------------------------------------------------------

function render(d: Described): string {
  const lines = [d.heading];
  for (const [label, value] of d.fields) if (value) lines.push(`${label}: ${value}`);
  if (d.url) lines.push(`URL: ${d.url}`);
  const body = d.body?.trim();
  return body ? `${lines.join("\n")}\n\n${body}` : lines.join("\n");
}

function providerLabel(p: ProviderName) {
  return { github: "GitHub", notion: "Notion", jira: "Jira", slack: "Slack", linear: "Linear" }[p];
}

function describe(r: NangoRecord, source: RecordSource): Described {
  switch (source.provider) {
    case "github":
      return describeGithub(r, source.model);
    case "notion":
      return describeNotion(r);
    case "jira":
      return describeJira(r);
    case "slack":
      return describeSlack(r);
    case "linear":
      return describeLinear(r);
  }
}

// Nango's template models have changed field names between versions, so each reader accepts the known spellings.

function describeGithub(r: NangoRecord, model: string): Described {
  const isPr = /pull/i.test(model) || r.pull_request !== undefined || r.merged !== undefined || r.head !== undefined;
  const kind = isPr ? "GitHub pull request" : "GitHub issue";
  const owner = str(r.owner) ?? person(obj(r.repository)?.owner);
  const repo =
    str(r.repository_full_name) ??
    str(obj(r.repository)?.full_name) ??
    str(r.repo_full_name) ??
    (owner && str(r.repo) ? `${owner}/${str(r.repo)}` : undefined) ??
    str(r.repository) ??
    str(r.repo);
  const number = str(r.number) ?? str(r.issue_number) ?? str(r.pull_number);
  const title = str(r.title);
  return {
    kind,
    heading: heading(kind, [number ? `#${number}` : undefined, repo ? `in ${repo}` : undefined], title, r.id),
    fields: [
      ["State", [str(r.state), r.merged === true ? "merged" : undefined, r.draft === true ? "draft" : undefined].filter(Boolean).join(", ")],
      ["Author", person(r.author) ?? person(r.user) ?? person(r.creator)],
      ["Assignees", list(r.assignees, person)],
      ["Labels", list(r.labels, (l) => str(l) ?? str(obj(l)?.name))],
      ["Branches", isPr && (ref(r.head) || ref(r.base)) ? `${ref(r.head) ?? "?"} → ${ref(r.base) ?? "?"}` : undefined],
      ["Created", toIso(str(r.created_at) ?? str(r.date_created) ?? str(r.createdAt))],
      ["Closed", toIso(str(r.closed_at) ?? str(r.merged_at))],
    ],
    body: str(r.body) ?? str(r.description),
    url: str(r.html_url) ?? str(r.url),
    createdAt: str(r.created_at) ?? str(r.date_created) ?? str(r.createdAt),
    updatedAt: str(r.updated_at) ?? str(r.date_last_modified) ?? str(r.updatedAt),
  };
}

function describeNotion(r: NangoRecord): Described {
  const parent = obj(r.parent);
  const title = str(r.title) ?? str(r.name) ?? notionTitle(r.properties);
  return {
    kind: "Notion page",
    heading: heading("Notion page", [], title, r.id),
    fields: [
      ["Parent", str(r.parent_title) ?? str(r.path) ?? str(r.parent_id) ?? str(parent?.page_id) ?? str(parent?.database_id) ?? str(parent?.data_source_id)],
      ["Last edited by", person(r.last_edited_by)],
    ],
    body: str(r.content) ?? str(r.text) ?? str(r.body) ?? str(r.markdown),
    url: str(r.url),
    createdAt: str(r.created_time) ?? str(r.created_at) ?? str(r.createdAt),
    updatedAt: str(r.last_edited_time) ?? str(r.last_modified) ?? str(r.updated_at) ?? str(r.updatedAt),
  };
}

function describeJira(r: NangoRecord): Described {
  const f = obj(r.fields) ?? {}; // raw Jira API shape nests everything under `fields`
  const at = (k: string) => r[k] ?? f[k];
  const key = str(r.key) ?? String(r.id);
  const project = obj(at("project"));
  return {
    kind: "Jira issue",
    heading: heading("Jira issue", [key], str(at("summary")), r.id),
    fields: [
      ["Project", [str(r.projectKey) ?? str(project?.key), str(r.projectName) ?? str(project?.name)].filter(Boolean).join(" — ") || str(at("project"))],
      ["Type", str(r.issueType) ?? str(obj(at("issuetype"))?.name) ?? str(at("issuetype"))],
      ["Status", str(at("status")) ?? str(obj(at("status"))?.name)],
      ["Assignee", person(at("assignee")) ?? "unassigned"],
      ["Reporter", person(at("reporter")) ?? person(at("creator"))],
      ["Priority", str(obj(at("priority"))?.name) ?? str(at("priority"))],
    ],
    body: adfText(at("description")),
    url: str(r.webUrl) ?? str(r.url) ?? str(r.self),
    createdAt: str(r.createdAt) ?? str(at("created")),
    updatedAt: str(r.updatedAt) ?? str(at("updated")),
  };
}

function describeSlack(r: NangoRecord): Described {
  const channel = str(r.channel_name) ?? str(obj(r.channel)?.name) ?? str(r.channel) ?? str(r.channel_id);
  const ts = str(r.ts);
  const thread = str(r.thread_ts);
  const inThread = thread !== undefined && thread !== ts;
  const author = str(r.user_name) ?? person(r.user_profile) ?? str(r.user) ?? str(r.user_id) ?? str(r.bot_id);
  return {
    kind: "Slack message",
    heading: heading("Slack message", [author ? `from ${author}` : undefined, channel ? `in #${channel.replace(/^#/, "")}` : undefined], undefined, r.id),
    fields: [
      ["Thread", inThread ? `reply in thread ${thread}` : Number(r.reply_count) > 0 ? `starts a thread with ${r.reply_count} replies` : undefined],
      ["Sent", slackTime(ts)],
    ],
    body: str(r.text),
    url: str(r.permalink),
    createdAt: slackTime(ts),
    updatedAt: slackTime(str(obj(r.edited)?.ts)),
  };
}

function describeLinear(r: NangoRecord): Described {
  const id = str(r.identifier) ?? String(r.id);
  return {
    kind: "Linear issue",
    heading: heading("Linear issue", [id], str(r.title), r.id),
    fields: [
      ["Team", str(obj(r.team)?.name) ?? str(r.teamName) ?? str(r.teamId)],
      ["Project", str(obj(r.project)?.name) ?? str(r.projectName) ?? str(r.projectId)],
      ["Status", str(obj(r.state)?.name) ?? str(r.status) ?? str(r.state)],
      ["Assignee", person(r.assignee) ?? str(r.assigneeId) ?? "unassigned"],
      ["Priority", str(r.priorityLabel) ?? str(r.priority)],
      ["Labels", list(obj(r.labels)?.nodes ?? r.labels, (l) => str(l) ?? str(obj(l)?.name))],
    ],
    body: str(r.description),
    url: str(r.url),
    createdAt: str(r.createdAt) ?? str(r.created_at),
    updatedAt: str(r.updatedAt) ?? str(r.updated_at),
  };
}

/**
 * 'GitHub issue #12 in acme/atlas: "Title"'. When nothing identifies the item (e.g. a deleted record whose
 * payload Nango pruned), the record id does, so a deletion marker still says what was deleted.
 */
function heading(kind: string, qualifiers: Array<string | undefined>, title: string | undefined, id: unknown): string {
  const q = qualifiers.filter(Boolean);
  if (q.length === 0 && !title) return `${kind} (record ${String(id)})`;
  const name = [kind, ...q].join(" ");
  return title ? `${name}: "${title.replace(/\s+/g, " ").trim()}"` : name;
}

// ---- small readers --------------------------------------------------------------------------------

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim() === "" ? undefined : v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A person from the many shapes providers use: "ada", {login}, {displayName}, {name}, {real_name}. */
function person(v: unknown): string | undefined {
  const o = obj(v);
  if (!o) return str(v);
  return str(o.displayName) ?? str(o.display_name) ?? str(o.real_name) ?? str(o.name) ?? str(o.login) ?? str(o.email) ?? str(o.emailAddress);
}

function list(v: unknown, item: (x: unknown) => string | undefined): string | undefined {
  if (!Array.isArray(v)) return undefined;
  const items = v.map(item).filter((x): x is string => !!x);
  return items.length ? items.join(", ") : undefined;
}

function ref(v: unknown) {
  return str(v) ?? str(obj(v)?.ref) ?? str(obj(v)?.label);
}

function notionTitle(properties: unknown): string | undefined {
  for (const p of Object.values(obj(properties) ?? {})) {
    const prop = obj(p);
    if (prop?.type === "title" && Array.isArray(prop.title))
      return prop.title.map((t) => str(obj(t)?.plain_text) ?? "").join("") || undefined;
  }
  return undefined;
}

/** Jira descriptions are strings (v2, Nango templates) or Atlassian Document Format trees (v3). */
function adfText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  const o = obj(v);
  if (!o) return undefined;
  const walk = (node: unknown): string => {
    const n = obj(node);
    if (!n) return "";
    if (n.type === "text") return str(n.text) ?? "";
    if (n.type === "hardBreak") return "\n";
    const inner = Array.isArray(n.content) ? n.content.map(walk).join("") : "";
    return ["paragraph", "heading", "listItem", "codeBlock", "blockquote"].includes(String(n.type)) ? `${inner}\n` : inner;
  };
  return walk(o).trim() || undefined;
}

function slackTime(ts: string | undefined) {
  const seconds = Number(ts);
  return ts && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : undefined;
}

function toIso(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
