// Test helper: a throwaway webhook receiver standing in for the app's /api/webhooks/nango, answering each
// delivery with the status `answer` picks, and recording when each arrived.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { body: string; headers: Record<string, string>; at: number };

export async function startReceiver(answer: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ body, headers: req.headers as Record<string, string>, at: Date.now() });
      const status = answer(received.length);
      res.writeHead(status, status >= 300 && status < 400 ? { Location: "http://127.0.0.1:1/elsewhere" } : {}).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/nango`;
  return { url, received, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The response of a failed SDK (axios) call. */
export async function axiosError(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    const e = err as { response?: { status: number; data: unknown; headers: Record<string, string> } };
    if (!e.response) throw err;
    return e.response;
  }
  throw new Error("expected the SDK call to fail");
}
