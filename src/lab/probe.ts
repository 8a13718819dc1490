/**
 * The lab's stand-in for a GKE pod: run inside a pod namespace (`ip netns exec`, which gives it that namespace's
 * resolv.conf), it resolves hostnames the way an application does (getaddrinfo, through the network's resolver)
 * and opens TCP connections to what they resolve to. Prints one JSON document on stdout.
 *
 *   node probe.js '{"lookups":["github.internal.company.net"],"connects":[{"hostname":"github.internal.company.net","port":443,"timeoutMs":3000}]}'
 */
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';

export interface ProbeConnect {
  /** Connect to every address this hostname resolved to… */
  readonly hostname?: string;
  /** …or to this address. */
  readonly address?: string;
  readonly port: number;
  readonly timeoutMs: number;
}

export interface ProbeInput {
  readonly lookups: readonly string[];
  readonly connects: readonly ProbeConnect[];
}

export interface ProbeResult {
  readonly lookups: Record<string, { addresses?: string[]; error?: string }>;
  readonly connects: { hostname?: string; address: string; port: number; ok: boolean; banner?: string; error?: string; ms: number }[];
}

function tcp(address: string, port: number, timeoutMs: number): Promise<{ ok: boolean; banner?: string; error?: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let data = '';
    let connected = false;
    const done = (r: { ok: boolean; banner?: string; error?: string }) => {
      socket.destroy();
      resolve({ ...r, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => done(connected ? { ok: true, banner: data.trim() } : { ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.on('connect', () => {
      connected = true;
    });
    socket.on('data', (d) => {
      data += d.toString();
    });
    socket.on('end', () => {
      clearTimeout(timer);
      done({ ok: true, banner: data.trim() });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      done(connected ? { ok: true, banner: data.trim() } : { ok: false, error: err.code ?? err.message });
    });
  });
}

export async function probe(input: ProbeInput): Promise<ProbeResult> {
  const lookups: ProbeResult['lookups'] = {};
  await Promise.all(
    input.lookups.map(async (name) => {
      try {
        const r = await lookup(name, { all: true, family: 4 });
        lookups[name] = { addresses: r.map((a) => a.address).sort() };
      } catch (err) {
        lookups[name] = { error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
      }
    }),
  );
  const jobs = input.connects.flatMap((c) =>
    (c.hostname !== undefined ? (lookups[c.hostname]?.addresses ?? []) : [c.address!]).map((address) => ({ c, address })),
  );
  const connects = await Promise.all(
    jobs.map(async ({ c, address }) => ({ ...(c.hostname !== undefined ? { hostname: c.hostname } : {}), address, port: c.port, ...(await tcp(address, c.port, c.timeoutMs)) })),
  );
  return { lookups, connects };
}

if (require.main === module) {
  probe(JSON.parse(process.argv[2] ?? '{}') as ProbeInput).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err) => {
      process.stderr.write(`probe: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
