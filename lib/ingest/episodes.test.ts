import { describe, expect, it } from "vitest";
import { chunkBody, chunkText, isDeletion, recordToEpisodes, type NangoRecord, type NangoRecordMetadata } from "./episodes";

const meta = (over: Partial<NangoRecordMetadata> = {}): NangoRecordMetadata => ({
  first_seen_at: "2025-08-01T00:00:00.000Z",
  last_modified_at: "2025-08-06T10:00:00.000Z",
  last_action: "ADDED",
  deleted_at: null,
  cursor: "Y3Vyc29y",
  ...over,
});

describe("recordToEpisodes", () => {
  it("GitHub issue: repository, number, title, state, author, labels, body; the issue's own time", () => {
    const record: NangoRecord = {
      id: "1001",
      owner: "acme",
      repo: "atlas",
      issue_number: 12,
      title: "Login fails on Safari",
      state: "open",
      author: "octocat",
      labels: [{ name: "bug" }, "safari"],
      body: "Steps: open Safari, log in.",
      html_url: "https://github.com/acme/atlas/issues/12",
      date_created: "2025-08-01T09:00:00Z",
      date_last_modified: "2025-08-05T09:00:00Z",
      _nango_metadata: meta(),
    };
    const [ep, ...rest] = recordToEpisodes(record, { provider: "github", connectionId: "conn-1", model: "Issue" });
    expect(rest).toEqual([]);
    expect(ep.data).toBe(
      [
        'GitHub issue #12 in acme/atlas: "Login fails on Safari"',
        "State: open",
        "Author: octocat",
        "Labels: bug, safari",
        "Created: 2025-08-01T09:00:00.000Z",
        "URL: https://github.com/acme/atlas/issues/12",
        "",
        "Steps: open Safari, log in.",
      ].join("\n"),
    );
    expect(ep.type).toBe("text");
    expect(ep.createdAt).toBe("2025-08-05T09:00:00.000Z");
    expect(ep.sourceDescription).toBe("GitHub issue from GitHub (Nango connection conn-1)");
    expect(ep.metadata).toEqual({
      provider: "github",
      connectionId: "conn-1",
      model: "Issue",
      recordId: "1001",
      action: "ADDED",
      modifiedAt: "2025-08-06T10:00:00.000Z",
      chunkIndex: 0,
      chunkCount: 1,
      episodeKey: ep.key,
      url: "https://github.com/acme/atlas/issues/12",
    });
    expect(Object.keys(ep.metadata).length).toBeLessThanOrEqual(10);
  });

  it("GitHub pull request (REST shape): merged state, branches, user", () => {
    const [ep] = recordToEpisodes(
      {
        id: 5,
        number: 44,
        title: "Fix Safari login",
        state: "closed",
        merged: true,
        user: { login: "ada" },
        repository: { full_name: "acme/atlas" },
        head: { ref: "fix/safari" },
        base: { ref: "main" },
        body: "Fixes #12",
        updated_at: "2025-08-07T00:00:00Z",
        _nango_metadata: meta({ last_action: "UPDATED" }),
      },
      { provider: "github", connectionId: "c", model: "PullRequest" },
    );
    expect(ep.data).toContain('GitHub pull request #44 in acme/atlas: "Fix Safari login"');
    expect(ep.data).toContain("State: closed, merged");
    expect(ep.data).toContain("Author: ada");
    expect(ep.data).toContain("Branches: fix/safari → main");
    expect(ep.data).toMatch(/\n\nFixes #12$/);
    expect(ep.metadata.action).toBe("UPDATED");
  });

  it("Notion page: title, parent, text", () => {
    const [ep] = recordToEpisodes(
      {
        id: "page-1",
        properties: { Name: { type: "title", title: [{ plain_text: "Onboarding " }, { plain_text: "guide" }] } },
        parent: { page_id: "parent-9" },
        content: "Welcome to Acme.",
        url: "https://notion.so/page-1",
        created_time: "2025-07-01T00:00:00.000Z",
        last_edited_time: "2025-07-02T00:00:00.000Z",
        _nango_metadata: meta(),
      },
      { provider: "notion", connectionId: "n1", model: "ContentMetadata" },
    );
    expect(ep.data).toBe('Notion page: "Onboarding guide"\nParent: parent-9\nURL: https://notion.so/page-1\n\nWelcome to Acme.');
    expect(ep.createdAt).toBe("2025-07-02T00:00:00.000Z");
  });

  it("Jira issue: key, project, summary, status, assignee, description (ADF too)", () => {
    const [ep] = recordToEpisodes(
      {
        id: "10001",
        key: "PROJ-7",
        fields: {
          summary: "Checkout crashes",
          project: { key: "PROJ", name: "Shop" },
          status: { name: "In Progress" },
          assignee: { displayName: "Ada Lovelace" },
          description: { type: "doc", content: [{ type: "paragraph", content: [{ type: "text", text: "Empty cart → crash." }] }] },
          updated: "2025-08-03T12:00:00.000+0000",
        },
        _nango_metadata: meta(),
      },
      { provider: "jira", connectionId: "j1", model: "Issue" },
    );
    expect(ep.data).toBe(
      'Jira issue PROJ-7: "Checkout crashes"\nProject: PROJ — Shop\nStatus: In Progress\nAssignee: Ada Lovelace\n\nEmpty cart → crash.',
    );
    expect(ep.createdAt).toBe("2025-08-03T12:00:00.000Z");
  });

  it("Jira issue in the Nango template's flat shape", () => {
    const [ep] = recordToEpisodes(
      { id: "1", key: "OPS-1", summary: "Rotate keys", projectKey: "OPS", status: "Done", assignee: null, createdAt: "2025-01-01T00:00:00Z", webUrl: "https://x.atlassian.net/browse/OPS-1", _nango_metadata: meta() },
      { provider: "jira", connectionId: "j1", model: "Issue" },
    );
    expect(ep.data).toContain("Project: OPS\nStatus: Done\nAssignee: unassigned");
    expect(ep.metadata.url).toBe("https://x.atlassian.net/browse/OPS-1");
  });

  it("Slack message: channel, author, thread, text, time from ts", () => {
    const [ep] = recordToEpisodes(
      { id: "C1-1754474400.000200", channel_name: "eng", user_name: "ada", ts: "1754474400.000200", thread_ts: "1754470000.000100", text: "Deploy is green.", _nango_metadata: meta() },
      { provider: "slack", connectionId: "s1", model: "Message" },
    );
    expect(ep.data).toBe(`Slack message from ada in #eng\nThread: reply in thread 1754470000.000100\nSent: ${new Date(1754474400000.2).toISOString()}\n\nDeploy is green.`);
    expect(ep.createdAt).toBe(new Date(1754474400000.2).toISOString());
  });

  it("Linear issue", () => {
    const [ep] = recordToEpisodes(
      { id: "uuid-1", identifier: "ENG-3", title: "Flaky test", state: { name: "Todo" }, assignee: { name: "Bo" }, team: { name: "Core" }, description: "Retry it.", updatedAt: "2025-08-01T00:00:00Z", _nango_metadata: meta() },
      { provider: "linear", connectionId: "l1", model: "LinearIssue" },
    );
    expect(ep.data).toBe('Linear issue ENG-3: "Flaky test"\nTeam: Core\nStatus: Todo\nAssignee: Bo\n\nRetry it.');
  });

  it("a DELETED record becomes one deletion-marker episode dated deleted_at", () => {
    const record: NangoRecord = {
      id: "1001",
      owner: "acme",
      repo: "atlas",
      issue_number: 12,
      title: "Login fails on Safari",
      body: "x".repeat(30_000),
      _nango_metadata: meta({ last_action: "DELETED", deleted_at: "2025-08-09T00:00:00.000Z" }),
    };
    expect(isDeletion(record)).toBe(true);
    const eps = recordToEpisodes(record, { provider: "github", connectionId: "c", model: "Issue" });
    expect(eps).toHaveLength(1);
    expect(eps[0].data).toBe(
      'GitHub issue #12 in acme/atlas: "Login fails on Safari" was deleted in GitHub on 2025-08-09T00:00:00.000Z. Facts about it are no longer current.',
    );
    expect(eps[0].createdAt).toBe("2025-08-09T00:00:00.000Z");
    expect(eps[0].metadata.action).toBe("DELETED");
  });

  it("a deleted record whose payload Nango pruned is still named, by its id", () => {
    const [ep] = recordToEpisodes(
      { id: "PAGE-9", _nango_metadata: meta({ last_action: "DELETED", deleted_at: "2025-08-09T00:00:00Z", pruned_at: "2025-08-09T00:00:00Z" }) },
      { provider: "notion", connectionId: "n", model: "ContentMetadata" },
    );
    expect(ep.data).toBe("Notion page (record PAGE-9) was deleted in Notion on 2025-08-09T00:00:00.000Z. Facts about it are no longer current.");
  });

  it("keys are deterministic per record version and chunk, and differ across versions and connections", () => {
    const r = (modified: string): NangoRecord => ({ id: 1, title: "t", _nango_metadata: meta({ last_modified_at: modified }) });
    const src = { provider: "github" as const, connectionId: "c", model: "Issue" };
    expect(recordToEpisodes(r("a"), src)[0].key).toBe(recordToEpisodes(r("a"), src)[0].key);
    expect(recordToEpisodes(r("a"), src)[0].key).not.toBe(recordToEpisodes(r("b"), src)[0].key);
    expect(recordToEpisodes(r("a"), src)[0].key).not.toBe(recordToEpisodes(r("a"), { ...src, connectionId: "d" })[0].key);
  });

  it("refuses a record without the Nango metadata its key depends on", () => {
    const bare = { id: 1, title: "t" } as unknown as NangoRecord;
    expect(() => recordToEpisodes(bare, { provider: "github", connectionId: "c", model: "Issue" })).toThrow(/_nango_metadata/);
  });
});

describe("chunking", () => {
  it("a 25,000-character body becomes 3 ordered chunks that give the text back exactly", () => {
    const paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(9) + "\n\n";
    let body = "";
    while (body.length < 25_000) body += paragraph;
    body = body.slice(0, 25_000);
    const eps = recordToEpisodes(
      { id: 9, owner: "acme", repo: "atlas", number: 9, title: "Huge", body, _nango_metadata: meta() },
      { provider: "github", connectionId: "c", model: "Issue" },
    );
    expect(eps).toHaveLength(3);
    eps.forEach((ep, i) => {
      expect(ep.data.length).toBeLessThanOrEqual(10_000);
      expect(ep.data.startsWith(`[GitHub issue #9 in acme/atlas: "Huge", part ${i + 1} of 3]\n`)).toBe(true);
      expect(ep.metadata).toMatchObject({ chunkIndex: i, chunkCount: 3, episodeKey: ep.key });
      expect(ep.createdAt).toBe(eps[0].createdAt);
    });
    expect(new Set(eps.map((e) => e.key)).size).toBe(3);
    const whole = eps.map((e) => chunkBody(e.data)).join("");
    expect(whole).toBe(`GitHub issue #9 in acme/atlas: "Huge"\n\n${body.trim()}`);
  });

  it("cuts at whitespace when it can, never splits an emoji, and handles text without spaces", () => {
    const text = ("word ".repeat(3000) + "😀".repeat(5000)).trim();
    const chunks = chunkText(text, "Item", 1000);
    expect(chunks.every((c) => c.length <= 1000)).toBe(true);
    expect(chunks.map(chunkBody).join("")).toBe(text);
    expect(chunkBody(chunks[0]).endsWith(" ")).toBe(true);
    for (const c of chunks) expect(c).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/u);
    const dense = "x".repeat(35_000);
    const parts = chunkText(dense, "Dense");
    expect(parts).toHaveLength(4);
    expect(parts.map(chunkBody).join("")).toBe(dense);
    expect(chunkText("short", "Item")).toEqual(["short"]);
  });
});
