// The Connect UI page's script, run against the sandbox with a minimal DOM stand-in (no browser here):
// the openConnectUI iframe protocol from ready to connect + close, and Cancel.
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNangoSandbox, type NangoSandbox } from "./index";

let sandbox: NangoSandbox;
beforeAll(async () => {
  sandbox = await startNangoSandbox({ secretKey: "sk-ui", webhookSigningKey: "whsec-ui" });
});
afterAll(() => sandbox.stop());

type Listener = (event: { data: unknown }) => void;

/** Loads GET /connect/ into a fake iframe whose parent records what the page posts. */
async function openPage() {
  const html = await (await fetch(`${sandbox.url}/connect/?apiURL=${encodeURIComponent(sandbox.url)}`)).text();
  const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
  const elements = new Map<string, { textContent: string; hidden: boolean; disabled: boolean; click: () => Promise<void>; handlers: (() => unknown)[] }>();
  for (const id of ["title", "status", "error", "authorize", "cancel"]) {
    const el = {
      textContent: "",
      hidden: true,
      disabled: id === "authorize",
      handlers: [] as (() => unknown)[],
      click: async () => void (await Promise.all(el.handlers.map((h) => h()))),
    };
    elements.set(id, el);
  }
  const posted: unknown[] = [];
  const messageListeners: Listener[] = [];
  const parent = { postMessage: (message: unknown) => posted.push(message) };
  const document = {
    getElementById: (id: string) => ({
      ...elements.get(id)!,
      set textContent(v: string) { elements.get(id)!.textContent = v; },
      get textContent() { return elements.get(id)!.textContent; },
      set hidden(v: boolean) { elements.get(id)!.hidden = v; },
      set disabled(v: boolean) { elements.get(id)!.disabled = v; },
      addEventListener: (_: string, handler: () => unknown) => elements.get(id)!.handlers.push(handler),
    }),
  };
  const window = { parent, addEventListener: (_: string, l: Listener) => messageListeners.push(l) };
  const location = { search: `?apiURL=${encodeURIComponent(sandbox.url)}`, origin: sandbox.url };
  vm.runInNewContext(script, { window, document, location, fetch, URLSearchParams, JSON });
  // The page has answered the token once Authorize is enabled or an error is shown (polled: the machine may be slow).
  const settle = async () => {
    const answered = () => !elements.get("authorize")!.disabled || !elements.get("error")!.hidden;
    for (let waited = 0; !answered() && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  };
  return {
    posted,
    elements,
    sendToken: async (sessionToken: string) => {
      messageListeners.forEach((l) => l({ data: { type: "session_token", sessionToken } }));
      await settle();
    },
  };
}

describe("Connect UI page", () => {
  it("says ready, takes the session token, and after Authorize posts connect then close", async () => {
    const nango = new (await import("@nangohq/node")).Nango({ apiKey: "sk-ui", host: sandbox.url });
    const { data } = await nango.createConnectSession({ end_user: { id: "u-ui", email: "ui@example.test" }, allowed_integrations: ["jira"] });
    const page = await openPage();
    expect(page.posted).toEqual([{ type: "ready" }]);

    await page.sendToken(data.token);
    expect(page.elements.get("authorize")!.textContent).toBe("Authorize Jira");
    expect(page.elements.get("authorize")!.disabled).toBe(false);

    await page.elements.get("authorize")!.click();
    const [, connect, close] = page.posted as [unknown, { type: string; payload: { providerConfigKey: string; connectionId: string } }, unknown];
    expect(connect).toEqual({ type: "connect", payload: { providerConfigKey: "jira", connectionId: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    expect(close).toEqual({ type: "close" });
    expect(sandbox.getConnectionIds()).toContain(connect.payload.connectionId);
    expect(sandbox.webhooks.at(-1)!.payload).toMatchObject({ type: "auth", operation: "creation", connectionId: connect.payload.connectionId });
  });

  it("Cancel posts close and creates nothing; an invalid token shows an error", async () => {
    const before = sandbox.getConnectionIds().length;
    const page = await openPage();
    await page.sendToken(`nango_connect_session_${"0".repeat(64)}`);
    expect(page.posted).toContainEqual({ type: "error", payload: { errorType: "invalid_session", errorMessage: expect.any(String) } });
    await page.elements.get("cancel")!.click();
    expect(page.posted.at(-1)).toEqual({ type: "close" });
    expect(sandbox.getConnectionIds()).toHaveLength(before);
  });
});
