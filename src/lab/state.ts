/** The state of one lab run, shared by its rooms: bring-up, checks, diagnoses and teardown. */
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsEnd, gcpEnd, routerDevice, type BgpSession } from './daemons';
import { run, type Daemon } from './host';
import type { AlarmView } from './alarms';
import type { HostnameView } from './hostnames';
import { validCidr } from './ip';
import { HostPath } from './hostpath';
import { type AwsSide, type GcpSide, type Pair } from './sides';
import { LabInterrupted, NS_PREFIX, type End, type LabOptions, type LabReport, type LabSeat, type SessionEntry, type Slot } from './types';

export class LabState {
  interrupted: NodeJS.Signals | undefined;
  /** Every namespace of this run starts with it (a shared run's first customer's covers the others'). */
  readonly prefix: string;
  readonly work: string;
  readonly gcpNs: string;
  /** The GCP side's configs, BIRD socket and resolver files (the host's on a shared router). */
  readonly gcpDir: string;
  /** The runs that joined this one's GCP side (a shared router's other customers). */
  readonly guests: LabState[] = [];
  readonly awsNs: string;
  readonly slots: Slot[];
  readonly daemons: Daemon[] = [];
  readonly logFds: number[] = [];
  gcpSessions: BgpSession[] = [];
  awsSessions: BgpSession[] = [];
  sessions: SessionEntry[] = [];
  readonly refused: Map<string, string>;
  readonly hostPath: HostPath;
  /** When the first daemon started: "up after" counts from here. */
  bringUp = 0;
  vpcHost = '';
  /** The tunnel the failover check killed. */
  killed: Slot | undefined;

  constructor(
    readonly o: LabOptions,
    readonly gcp: GcpSide,
    readonly aws: AwsSide,
    pairs: Pair[],
    view: HostnameView,
    /** The generated alarms, as the simulated apply resolves them (alarms.ts). */
    readonly alarms: AlarmView,
    readonly report: LabReport,
    /** On a shared router: this run's seat, and the run whose GCP side it joins (none for the first). */
    seat?: LabSeat,
    readonly host?: LabState,
  ) {
    this.prefix = `${NS_PREFIX}${process.pid}-${seat?.tag ?? ''}`;
    this.work = mkdtempSync(join(tmpdir(), `${NS_PREFIX}${process.pid}-`));
    this.gcpNs = host?.gcpNs ?? `${this.prefix}gcp`;
    this.gcpDir = host?.gcpDir ?? join(this.work, 'gcp');
    this.refused = host?.refused ?? new Map<string, string>();
    host?.guests.push(this);
    this.awsNs = `${this.prefix}aws`;
    this.slots = pairs.map((pair, index) => ({
      index,
      device: routerDevice((seat?.slotOffset ?? 0) + index),
      pair,
      g: pair.gcp ? { ns: `${this.prefix}g${index}`, dir: join(this.work, `g${index}`), end: gcpEnd(pair.gcp) } : undefined,
      a: pair.aws ? { ns: `${this.prefix}a${index}`, dir: join(this.work, `a${index}`), end: awsEnd(pair.aws) } : undefined,
      row: { gcp: pair.gcp?.key, aws: pair.aws?.key, gcpAddress: pair.gcp?.localIp, awsAddress: pair.aws?.localIp, up: false },
    }));
    this.hostPath = new HostPath(view, {
      prefix: this.prefix,
      devicePrefix: seat?.tag.replace(/[^a-z0-9]/g, '') ?? '',
      work: this.work,
      gcpNs: this.gcpNs,
      neighbours: host ? [host.hostPath, ...host.guests.filter((g) => g !== this).map((g) => g.hostPath)] : [],
      awsNs: this.awsNs,
      sources: gcp.advertised.filter(validCidr),
      vpcCidr: validCidr(aws.vpcCidr) ? aws.vpcCidr : '0.0.0.0/32',
    });
  }

  throwIfInterrupted(): void {
    if (this.interrupted) throw new LabInterrupted(this.interrupted); // runLab's finally tears down and reports it
  }

  logFd(file: string): number {
    const fd = openSync(file, 'a');
    this.logFds.push(fd);
    return fd;
  }

  vici(e: End): string {
    return `unix://${e.dir}/charon.vici`;
  }

  /** Where a side's BIRD keeps its config, socket and log: the GCP side's is the shared router's on a shared router. */
  sideDir(side: 'gcp' | 'aws'): string {
    return side === 'gcp' ? this.gcpDir : join(this.work, 'aws');
  }

  /** The runs on this run's Cloud Router when this run holds it (itself and those that joined it); none otherwise. */
  get router(): readonly LabState[] {
    return this.host ? [] : [this, ...this.guests];
  }

  bird(side: 'gcp' | 'aws', ...cmd: string[]): string {
    return run('birdc', ['-s', join(this.sideDir(side), 'bird.ctl'), ...cmd]).stdout;
  }

  charonLog(e: End | undefined): string {
    if (!e) return '';
    try {
      return readFileSync(join(e.dir, 'charon.log'), 'utf8');
    } catch {
      return '';
    }
  }
}

/** Shell that sets net.ipv4 sysctls of the current namespace through /proc (no procps needed). */
export function sysctl(...settings: [string, number][]): string {
  return settings.map(([k, v]) => `echo ${v} > /proc/sys/net/ipv4/${k}`).join('; ');
}

export function tail(file: string): string {
  try {
    return lastLine(readFileSync(file, 'utf8'));
  } catch {
    return '(no output)';
  }
}

export function lastLine(text: string): string {
  return text.trim().split('\n').slice(-1)[0] ?? '';
}
