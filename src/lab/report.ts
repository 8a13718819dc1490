/** The lab's report for people: a tunnel table, a BGP session table, the checks, one summary line. */
import type { LabReport } from './run';

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

const sec = (ms: number | undefined) => (ms === undefined ? '-' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

export function summaryLine(r: LabReport): string {
  const t = `${r.tunnels.filter((x) => x.up).length}/${r.tunnels.length} tunnels`;
  const s = `${r.sessions.filter((x) => x.up).length}/${r.sessions.length} BGP sessions`;
  const failed = r.checks.filter((c) => !c.ok).map((c) => c.name);
  const verdict = r.ok ? 'all checks passed' : `FAILED${failed.length ? ` (${failed.join(', ')})` : ''}`;
  return `privlink lab ${r.customer}: ${t}, ${s}, ${verdict} in ${sec(r.ms.total)}`;
}

export function formatReport(r: LabReport): string {
  const out: string[] = [];
  out.push(`privlink lab ${r.customer}: ${r.file}`);
  const uneval = r.simulatedApply.unevaluated;
  out.push(
    `simulated apply: ${r.simulatedApply.references} references resolved` +
      (uneval.length ? `; not evaluated (not part of the VPN): ${uneval.map((u) => `${u.address}.${u.argument}`).join(', ')}` : ''),
  );
  out.push('');
  out.push(
    ...table(
      ['tunnel (GCP ⇄ AWS)', 'GCP end', 'AWS end', 'IPsec', 'up after', 'rekey'],
      r.tunnels.map((t) => [`${t.gcp ?? '-'} ⇄ ${t.aws ?? '-'}`, t.gcpAddress ?? '-', t.awsAddress ?? '-', t.up ? 'up' : 'DOWN', sec(t.upMs), t.rekey === 'ok' ? `ok ${sec(t.rekeyMs)}` : (t.rekey ?? '-')]),
    ),
  );
  for (const t of r.tunnels) if (t.reason) out.push(`  ${t.gcp ?? '-'} ⇄ ${t.aws ?? '-'}: ${t.reason}`);
  out.push('');
  out.push(
    ...table(
      ['BGP session (GCP ⇄ AWS)', 'Cloud Router', 'VPN gateway', 'state', 'up after'],
      r.sessions.map((s) => [`${s.gcp ?? '-'} ⇄ ${s.aws ?? '-'}`, s.gcpAddress ?? '-', s.awsAddress ?? '-', s.up ? 'Established' : 'DOWN', sec(s.upMs)]),
    ),
  );
  for (const s of r.sessions) if (s.reason) out.push(`  ${s.gcp ?? '-'} ⇄ ${s.aws ?? '-'}: ${s.reason}`);
  out.push('');
  if (r.hostnames.length > 0) {
    out.push(
      ...table(
        ['hostname → address:port (endpoint)', 'from', 'expected', 'result', 'after failover'],
        r.hostnames.map((h) => [`${h.hostname} → ${h.address}:${h.port} (${h.endpoint})`, h.from, h.expect === 'connect' ? 'connect' : 'refused', h.result, h.afterFailover ?? '-']),
      ),
    );
    for (const h of r.hostnames) if (h.reason) out.push(`  ${h.hostname} → ${h.address}:${h.port} from ${h.from}: ${h.reason}`);
    out.push('');
  }
  for (const c of r.checks) out.push(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  out.push('');
  out.push(`setup ${sec(r.ms.setup)}, tunnels up ${sec(r.ms.tunnels)}, BGP up ${sec(r.ms.bgp)} (timers: hold ${r.timers.hold} s, keepalive ${r.timers.keepalive} s, connect delay ${r.timers.connectDelay} s)`);
  out.push(summaryLine(r));
  return `${out.join('\n')}\n`;
}
