/**
 * What the lab needs from the machine, and the process plumbing it uses: preflight (root, /dev/net/tun, network
 * namespaces, Debian packages, installed with apt-get when missing), commands run to completion, and daemons
 * started in their own process group so they are stopped by PID, never by a terminal's Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';

/** The machine cannot run the lab: the CLI says why and exits 3 (CI treats that as a skip). */
export class LabUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabUnavailable';
  }
}

export const CHARON = '/usr/lib/ipsec/charon';

/** Debian packages and a file each one provides, checked before anything is started. */
export const PACKAGES: readonly { pkg: string; file: string; why: string }[] = [
  { pkg: 'strongswan-charon', file: CHARON, why: 'the IKE daemon' },
  { pkg: 'strongswan-swanctl', file: '/usr/sbin/swanctl', why: 'loads and rekeys connections' },
  { pkg: 'libcharon-extra-plugins', file: '/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so', why: 'user-space ESP (no kernel ESP/XFRM needed)' },
  { pkg: 'libstrongswan-standard-plugins', file: '/usr/lib/ipsec/plugins/libstrongswan-openssl.so', why: 'ECP groups and AES-GCM' },
  { pkg: 'bird2', file: '/usr/sbin/bird', why: 'BGP on both sides' },
  { pkg: 'iptables', file: '/usr/sbin/iptables', why: 'restores the TTL the lab\'s extra hops take' },
  { pkg: 'iputils-ping', file: '/usr/bin/ping', why: 'traffic checks' },
  { pkg: 'dnsmasq-base', file: '/usr/sbin/dnsmasq', why: 'the GCP network\'s resolver, serving only the generated Cloud DNS records' },
];

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, { input: opts.input, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return { code: 127, stdout: '', stderr: `${cmd}: not found` };
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

/** `run` without blocking the event loop, so several checks (one per pod) run side by side. */
export function runAsync(cmd: string, args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: err.code === 'ENOENT' ? 127 : 1, stdout, stderr: `${cmd}: ${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Run and fail loudly: a setup step that fails leaves the lab unusable. */
export function must(cmd: string, args: readonly string[], what: string, input?: string): string {
  const r = run(cmd, args, { input });
  if (r.code !== 0) throw new Error(`${what} failed (${cmd} ${args.join(' ')}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export interface Preflight {
  readonly installed: readonly string[];
}

/**
 * Everything the lab needs, or a LabUnavailable that says what is missing and how to get it. Installs missing
 * packages with apt-get unless `install` is false.
 */
export function preflight(o: { install: boolean; log: (line: string) => void }): Preflight {
  if (process.platform !== 'linux') throw new LabUnavailable(`the lab needs Linux network namespaces; this is ${process.platform}`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new LabUnavailable('the lab needs root: it creates network namespaces, veth links and TUN devices (run it with sudo, or in a root container with CAP_NET_ADMIN)');
  }
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    throw new LabUnavailable('no usable /dev/net/tun: strongSwan\'s user-space ESP needs a TUN device (in a container: --device /dev/net/tun)');
  }
  if (run('ip', ['-V']).code !== 0) throw new LabUnavailable('no "ip" command (Debian package iproute2)');
  const probe = `privlink-probe-${process.pid}`;
  const add = run('ip', ['netns', 'add', probe]);
  if (add.code !== 0) throw new LabUnavailable(`cannot create a network namespace: ${add.stderr.trim()} (in a container: --privileged or CAP_SYS_ADMIN)`);
  run('ip', ['netns', 'del', probe]);

  try {
    mkdirSync('/etc/netns', { recursive: true });
    accessSync('/etc/netns', constants.W_OK);
  } catch (err) {
    throw new LabUnavailable(`cannot write /etc/netns (${(err as NodeJS.ErrnoException).code ?? 'error'}): each pod's resolv.conf lives there, where ip netns exec bind-mounts it`);
  }

  const missing = PACKAGES.filter((p) => !existsSync(p.file));
  if (missing.length === 0) return { installed: [] };
  const names = missing.map((p) => p.pkg);
  const list = missing.map((p) => `${p.pkg} (${p.why})`).join(', ');
  if (!o.install) throw new LabUnavailable(`missing Debian packages: ${list}; install them with: apt-get install ${names.join(' ')}`);
  if (!existsSync('/usr/bin/apt-get')) throw new LabUnavailable(`missing packages ${list}, and no apt-get to install them with`);
  o.log(`installing ${names.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '-q', '--no-install-recommends', ...names];
  let r = run('apt-get', args, { env, timeoutMs: 600_000 });
  if (r.code !== 0) {
    run('apt-get', ['update', '-q'], { env, timeoutMs: 600_000 });
    r = run('apt-get', args, { env, timeoutMs: 600_000 });
  }
  const still = PACKAGES.filter((p) => !existsSync(p.file));
  if (r.code !== 0 || still.length) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ');
    throw new LabUnavailable(`could not install ${names.join(' ')} with apt-get: ${tail}`);
  }
  return { installed: names };
}

export interface Daemon {
  readonly label: string;
  readonly pid: number;
  readonly child: ChildProcess;
  exited: boolean;
}

/** Start a long-running command in its own process group; stdout and stderr go to the daemon's log fd. */
export function startDaemon(label: string, cmd: string, args: readonly string[], logFd: number): Daemon {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  if (child.pid === undefined) throw new Error(`could not start ${label} (${cmd})`);
  const d: Daemon = { label, pid: child.pid, child, exited: false };
  child.on('exit', () => {
    d.exited = true;
  });
  child.on('error', () => {
    d.exited = true;
  });
  return d;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves when every daemon has exited. */
export async function stopDaemons(daemons: readonly Daemon[], graceMs = 2000): Promise<number> {
  const live = daemons.filter((d) => !d.exited);
  for (const d of live) signal(d.pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (live.some((d) => !d.exited) && Date.now() < until) await sleep(20);
  for (const d of live) if (!d.exited) signal(d.pid, 'SIGKILL');
  while (live.some((d) => !d.exited)) await sleep(20);
  return live.length;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Namespaces whose names start with `prefix`. */
export function namespaces(prefix: string): string[] {
  return run('ip', ['netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(prefix));
}

/** Kill whatever still runs in a namespace, then delete it. */
export function removeNamespace(ns: string): void {
  for (const pid of run('ip', ['netns', 'pids', ns]).stdout.split('\n').filter(Boolean)) signal(Number(pid), 'SIGKILL');
  run('ip', ['netns', 'del', ns]);
}
