// How Atlas's production web server (scripts/server.ts) is started, for everything that starts one:
// `npm run start:prod`, the end-to-end specs, the benches. Paths are relative to the checkout's root, the
// working directory of each of them.

/** The command and arguments: Node with the react-server condition and tsx, the server, its port and options. */
export function webServerCommand(port: number | string, extra: string[] = []): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--conditions=react-server", "--import", "tsx", "scripts/server.ts", "--port", String(port), ...extra] };
}
