// CPU time by process during a bench phase, read from /proc (Linux): what each part of an ingestion run costs
// the machine, so a throughput figure can be set beside the machine's bound (cores ÷ CPU per record).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";

// Clock ticks per second of /proc's CPU fields (USER_HZ), asked once.
let ticksPerSecond: number | undefined;
function hz() {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces), or undefined when gone. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of one process (all its threads), or 0 when it is gone or this is not Linux. */
export function cpuSecondsOf(pid: number | undefined): number {
  const f = pid === undefined ? undefined : statFields(pid);
  // After the name: state(0) … utime(11) stime(12) cutime(13) cstime(14).
  return f ? (Number(f[11]) + Number(f[12])) / hz() : 0;
}

// The postmaster's pid by port, once found.
const postmasters = new Map<number, string>();

/**
 * CPU seconds of the PostgreSQL server listening on `port` on this machine: its postmaster (with its ended
 * children's cutime/cstime) and every process it started. NaN when no such server runs here (a remote one).
 */
export function postgresCpuSeconds(port: number): number {
  if (!fs.existsSync("/proc")) return NaN;
  const pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  const args = (pid: string) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      return [];
    }
  };
  // The postmaster is the postgres binary started with "-p <port>"; its children only show a title. Found once
  // per port (the scan reads every process's command line), again only if it has gone.
  let postmaster = postmasters.get(port);
  if (!postmaster || !statFields(postmaster)) {
    postmaster = pids.find((pid) => {
      const a = args(pid);
      return /(^|\/)postgres$/.test(a[0] ?? "") && a.some((x, i) => x === "-p" && a[i + 1] === String(port));
    });
    if (!postmaster) return NaN;
    postmasters.set(port, postmaster);
  }
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    if (!f) continue;
    // After the name: ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    if (pid === postmaster) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    else if (f[1] === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / hz();
}

/** This process's CPU seconds (all threads). */
export const ownCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export const cores = () => os.availableParallelism();
