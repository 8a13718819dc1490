/** The lab's options, its report (rows and checks), the state of one tunnel slot, and how a run ends early. */
import { BGP_TIMERS, type BgpSession, type CharonEnd } from './daemons';
import type { Daemon } from './host';
import type { HostnameRow } from './hostpath';
import type { Pair } from './sides';

/** The iptables comment on the rule that counts what a tunnel end forwards into its tunnel (not BGP). */
export const CARRIED = 'privlink-carried';

export interface LabOptions {
  readonly customer: string;
  readonly tfFile: string;
  /** Bring-up budget (tunnels and BGP), ms. */
  readonly timeoutMs: number;
  /** Keep the work folder (configs and daemon logs) after teardown. */
  readonly keep: boolean;
  /** Progress lines for people (stderr). */
  readonly log: (line: string) => void;
  readonly random?: (n: number) => Buffer;
}

/**
 * Where a run sits when customers share a Cloud Router (lab/shared.ts): its namespaces are tagged, its router-side
 * devices numbered on from the runs before it, and every run but the first joins the first one's GCP namespace,
 * BIRD and resolver, as customers on one shared router join one Cloud Router on one network.
 */
export interface LabSeat {
  readonly tag: string;
  readonly slotOffset: number;
}

export interface TunnelRow {
  readonly gcp?: string;
  readonly aws?: string;
  readonly gcpAddress?: string;
  readonly awsAddress?: string;
  up: boolean;
  upMs?: number;
  rekey?: 'ok' | 'failed' | 'not run' | 'killed (failover)' | 'killed (outage)';
  rekeyMs?: number;
  reason?: string;
}

export interface SessionRow {
  readonly gcp?: string;
  readonly aws?: string;
  readonly gcpAddress?: string;
  readonly awsAddress?: string;
  gcpState: string;
  awsState: string;
  up: boolean;
  upMs?: number;
  reason?: string;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly ms?: number;
}

export interface LabReport {
  readonly customer: string;
  readonly file: string;
  ok: boolean;
  readonly simulatedApply: { references: number; unevaluated: { address: string; argument: string; expression: string }[] };
  readonly tunnels: TunnelRow[];
  readonly sessions: SessionRow[];
  /** Each hostname → address:port connection from each source, before and after the failover. */
  readonly hostnames: HostnameRow[];
  readonly checks: Check[];
  readonly timers: typeof BGP_TIMERS;
  readonly ms: { setup: number; tunnels?: number; bgp?: number; total: number };
  workDir?: string;
}

export interface End {
  readonly ns: string;
  readonly dir: string;
  readonly end: CharonEnd;
  daemon?: Daemon;
}

export interface Slot {
  readonly index: number;
  /** Its device in the router namespaces (t0, t1…; numbered on from the other customers' on a shared router). */
  readonly device: string;
  readonly pair: Pair;
  readonly g?: End;
  readonly a?: End;
  /** This tunnel's row of the report. */
  readonly row: TunnelRow;
}

/** A row of the session table with the BIRD sessions and the tunnel behind it. */
export interface SessionEntry {
  readonly row: SessionRow;
  readonly g?: BgpSession;
  readonly a?: BgpSession;
  readonly slot?: Slot;
}

/** How long after the daemons start a refused IKE attempt may still be the start-up race (see waitUp). */
export const STARTUP_RACE_MS = 1500;

/** Every namespace the lab creates is named `privlink-lab-<pid>-…`. */
export const NS_PREFIX = 'privlink-lab-';

export const seconds = (ms: number | undefined) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);

export class LabFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabFileError';
  }
}

/** The lab was stopped by a signal; the message says what its teardown achieved, as its teardown check found it. */
export class LabInterrupted extends Error {
  constructor(
    readonly sig: NodeJS.Signals,
    readonly teardown?: Check,
  ) {
    super(
      teardown === undefined || teardown.ok
        ? `interrupted by ${sig}; everything the lab started was stopped and removed`
        : `interrupted by ${sig}; the teardown was incomplete, ${teardown.detail} (the next \`privlink lab\` removes what this run left)`,
    );
    this.name = 'LabInterrupted';
  }
}

