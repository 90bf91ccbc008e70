import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitForDatabase } from "./wait";

const url = new URL(process.env.DATABASE_URL!);
const withUrl = (change: (u: URL) => void) => {
  const u = new URL(url);
  change(u);
  return u.toString();
};

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** A TCP relay to the test database, listening on `port` from now on: the database "comes up". */
async function relayOn(port: number) {
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(url.port || 5432), url.hostname);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
}

describe("waitForDatabase", () => {
  it("resolves at once when the database answers", async () => {
    const waits: string[] = [];
    await waitForDatabase(url.toString(), { onWaiting: (r) => waits.push(r) });
    expect(waits).toEqual([]);
  });

  it("waits while nothing listens, and resolves when the database comes up", async () => {
    const port = await freePort();
    const waits: string[] = [];
    let sleeps = 0;
    await waitForDatabase(withUrl((u) => ((u.hostname = "127.0.0.1"), (u.port = String(port)))), {
      onWaiting: (reason) => waits.push(reason),
      policy: {
        // The database comes up during the second wait: the first two attempts were refused, the third connects.
        sleep: async () => {
          if (++sleeps === 2) await relayOn(port);
        },
      },
    });
    expect(waits).toEqual([`nothing accepts connections at the database's address (127.0.0.1:${port})`, `nothing accepts connections at the database's address (127.0.0.1:${port})`]);
  });

  it("waits while a proxy in front of the database closes connections at once (no code, pg's own words)", async () => {
    const port = await freePort();
    const closing = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => closing.listen(port, "127.0.0.1", resolve));
    const waits: string[] = [];
    await waitForDatabase(withUrl((u) => ((u.hostname = "127.0.0.1"), (u.port = String(port)))), {
      onWaiting: (reason) => waits.push(reason),
      policy: {
        // The database comes up behind the same port during the first wait.
        sleep: async () => {
          await new Promise((resolve) => closing.close(resolve));
          await relayOn(port);
        },
      },
    });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatch(/^the database could not be reached: Connection terminated/);
  });

  it("gives up after its attempts, saying why", async () => {
    const port = await freePort();
    const waits: number[] = [];
    const wait = waitForDatabase(withUrl((u) => ((u.hostname = "127.0.0.1"), (u.port = String(port)))), {
      onWaiting: (_r, attempt) => waits.push(attempt),
      policy: { maxAttempts: 3, sleep: async () => {} },
    });
    await expect(wait).rejects.toThrow(`nothing accepts connections at the database's address (127.0.0.1:${port}) (after 3 attempts)`);
    expect(waits).toEqual([1, 2]);
  });

  it("does not wait for what waiting cannot cure: a wrong password", async () => {
    const waits: string[] = [];
    await expect(
      waitForDatabase(withUrl((u) => (u.password = "not-the-password")), { onWaiting: (r) => waits.push(r), policy: { sleep: async () => {} } }),
    ).rejects.toThrow("the database refused the user or password in DATABASE_URL (after 1 attempt)");
    expect(waits).toEqual([]);
  });

  it("waits for a database not created yet (start:prod creates it; a worker may start first), then says so", async () => {
    const waits: string[] = [];
    const wait = waitForDatabase(withUrl((u) => (u.pathname = "/atlas_no_such_database")), {
      onWaiting: (r) => waits.push(r),
      policy: { maxAttempts: 2, sleep: async () => {} },
    });
    await expect(wait).rejects.toThrow("the database named in DATABASE_URL does not exist (after 2 attempts)");
    expect(waits).toEqual(["the database named in DATABASE_URL does not exist"]);
  });

  it("with serverOnly, a database not created yet counts as ready (its caller creates it)", async () => {
    await expect(waitForDatabase(withUrl((u) => (u.pathname = "/atlas_no_such_database")), { serverOnly: true })).resolves.toBeUndefined();
  });
});
