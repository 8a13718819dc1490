/**
 * Alerts on every tunnel and BGP session, on both clouds, wired to the resources they watch (domain/monitoring.ts
 * holds the metric facts and the timing):
 *
 *   AWS  one CloudWatch alarm per tunnel on AWS/VPN TunnelState, dimensions VpnId = the connection's id and
 *        TunnelIpAddress = that tunnel's outside address (warning), and one no-path alarm: metric math over all
 *        of them, firing when none is up (critical)
 *   GCP  one alert policy per tunnel on tunnel_established (warning), one per BGP peer on session_up (warning), and
 *        one no-path policy: the sum over this customer's tunnels, or over its sessions, below 1 (critical)
 *
 * Every dimension and filter value is a reference to the watched resource (`${aws_vpn_connection.vpn_a.id}`,
 * `${google_compute_vpn_tunnel.tunnel_a1.name}`), so an alarm follows its tunnel when it is replaced. The lint rule
 * PRIVLINK_ALERTS_EVERY_TUNNEL checks that each tunnel and peer is watched; the lab checks that the alarm of the
 * tunnel it kills is the one whose dimensions resolve to that tunnel.
 */
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { MonitoringAlertPolicy, type MonitoringAlertPolicyConditions } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import type { TerraformStack } from 'cdktf';
import {
  ALERT_PERIOD_SECONDS,
  AWS_DIMENSION_TUNNEL_IP,
  AWS_DIMENSION_VPN_ID,
  AWS_TREAT_MISSING_DATA,
  AWS_TUNNEL_STATE_METRIC,
  AWS_VPN_NAMESPACE,
  GCP_ALIGNMENT_SECONDS,
  GCP_MISSING_DATA,
  GCP_SESSION_LABEL,
  GCP_SESSION_METRIC,
  GCP_SESSION_RESOURCE,
  GCP_SEVERITY,
  GCP_TUNNEL_LABEL,
  GCP_TUNNEL_METRIC,
  GCP_TUNNEL_RESOURCE,
  monitoringFilter,
  type Severity,
} from '../../domain/monitoring';
import type { CustomerModel, TunnelModel } from '../../model/model';
import { named } from './named';
import type { OperatorVpn } from './vpn';

export interface AlertsProps {
  readonly name: CustomerModel['name'];
  readonly gcp: Pick<CustomerModel['gcp'], 'project' | 'region'>;
  readonly tunnels: CustomerModel['tunnels'];
  readonly alerts: CustomerModel['alerts'];
  readonly labels: CustomerModel['labels'];
  /** The tunnels, connections and peers the alerts watch (vpn.ts). */
  readonly vpn: OperatorVpn;
}

export class OperatorAlerts {
  constructor(
    stack: TerraformStack,
    private readonly props: AlertsProps,
  ) {
    const { vpn } = props;
    for (const t of props.tunnels) {
      const where = `${props.name} tunnel ${t.key}${t.site === 'failover' ? ` in the failover region ${t.region}` : ''} (AWS connection ${t.connection}, tunnel ${t.awsTunnel})`;
      named(
        new CloudwatchMetricAlarm(stack, `aws_cloudwatch_metric_alarm.${t.id}`, {
          alarmName: t.alarmName,
          alarmDescription: `WARNING privlink: ${where} is down; the customer has lost redundancy. Run \`privlink status ${props.name}\`.`,
          namespace: AWS_VPN_NAMESPACE,
          metricName: AWS_TUNNEL_STATE_METRIC,
          dimensions: this.tunnelDimensions(t),
          statistic: 'Maximum',
          period: ALERT_PERIOD_SECONDS,
          evaluationPeriods: 1,
          comparisonOperator: 'LessThanThreshold',
          threshold: 1,
          treatMissingData: AWS_TREAT_MISSING_DATA,
          ...this.awsActions(props, 'warning'),
        }),
        t.id,
      );
      this.gcpPolicy(stack, props, t.id, t.alarmName, 'warning', `${where} is not established; the customer has lost redundancy.`, [
        { displayName: `tunnel ${t.key} established`, conditionThreshold: this.threshold(this.tunnelFilter(props, [t], [vpn.tunnels.get(t.key)!.name]), false) },
      ]);
      this.gcpPolicy(stack, props, t.sessionAlarmId, t.sessionAlarmName, 'warning', `The BGP session of ${where} is down; the customer has lost redundancy.`, [
        { displayName: `BGP session ${t.key} up`, conditionThreshold: this.threshold(this.sessionFilter(props, [t], [this.peerName(t)]), false) },
      ]);
    }
    this.noPath(stack, props);
  }

  /** The customer-level alarms: every tunnel down (AWS), every tunnel or every session down (GCP). */
  private noPath(stack: TerraformStack, props: AlertsProps): void {
    const { vpn, tunnels, alerts } = props;
    // Every tunnel of both regions: the customer has a path while any one of them is up.
    const metricId = (t: TunnelModel) => `m_${t.key}`;
    named(
      new CloudwatchMetricAlarm(stack, `aws_cloudwatch_metric_alarm.${alerts.noPathId}`, {
        alarmName: alerts.noPathName,
        alarmDescription: `CRITICAL privlink: every tunnel of ${props.name} is down; GCP has no path to the customer's services. Run \`privlink status ${props.name}\`.`,
        evaluationPeriods: 1,
        comparisonOperator: 'LessThanThreshold',
        threshold: 1,
        treatMissingData: AWS_TREAT_MISSING_DATA,
        metricQuery: [
          ...tunnels.map((t) => ({
            id: metricId(t),
            returnData: false,
            metric: {
              namespace: AWS_VPN_NAMESPACE,
              metricName: AWS_TUNNEL_STATE_METRIC,
              dimensions: this.tunnelDimensions(t),
              stat: 'Maximum',
              period: ALERT_PERIOD_SECONDS,
            },
          })),
          // A tunnel without data counts as down, so the sum is the number of tunnels known to be up.
          { id: 'tunnels_up', label: 'tunnels up', returnData: true, expression: tunnels.map((t) => `FILL(${metricId(t)}, 0)`).join(' + ') },
        ],
        ...this.awsActions(props, 'critical'),
      }),
      alerts.noPathId,
    );
    this.gcpPolicy(stack, props, alerts.noPathId, alerts.noPathName, 'critical', `Every tunnel or every BGP session of ${props.name} is down; GCP has no path to the customer's services.`, [
      { displayName: 'tunnels established (sum)', conditionThreshold: this.threshold(this.tunnelFilter(props, tunnels, tunnels.map((t) => vpn.tunnels.get(t.key)!.name)), true) },
      { displayName: 'BGP sessions up (sum)', conditionThreshold: this.threshold(this.sessionFilter(props, tunnels, tunnels.map((t) => this.peerName(t))), true) },
    ]);
  }

  /** What CloudWatch reports a tunnel under: its connection's id and its outside address. */
  private tunnelDimensions(t: TunnelModel): Record<string, string> {
    return { [AWS_DIMENSION_VPN_ID]: this.props.vpn.connections.get(t.connection)!.id, [AWS_DIMENSION_TUNNEL_IP]: this.props.vpn.awsTunnel(t, 'address') };
  }

  /** The name GCP reports the session under, its `bgp_peer_name` (vpn.ts). */
  private peerName(t: TunnelModel): string {
    return this.props.vpn.peerName(t);
  }

  /** Tunnel names are unique per region: the filter names the regions the watched tunnels are in (both, for the no-path policy of a customer with a failover region). */
  private tunnelFilter(props: AlertsProps, tunnels: readonly TunnelModel[], names: readonly string[]): string {
    return monitoringFilter(GCP_TUNNEL_RESOURCE, GCP_TUNNEL_METRIC, this.where(props, tunnels), GCP_TUNNEL_LABEL, names);
  }

  private sessionFilter(props: AlertsProps, tunnels: readonly TunnelModel[], names: readonly string[]): string {
    return monitoringFilter(GCP_SESSION_RESOURCE, GCP_SESSION_METRIC, this.where(props, tunnels), GCP_SESSION_LABEL, names);
  }

  private where(props: AlertsProps, tunnels: readonly TunnelModel[]): { project: string; regions: string[] } {
    return { project: props.gcp.project, regions: [...new Set(tunnels.map((t) => t.region))] };
  }

  /** Below 1 for a whole period, each series taken at its worst per minute; summed across series when `sum`. */
  private threshold(filter: string, sum: boolean): NonNullable<MonitoringAlertPolicyConditions['conditionThreshold']> {
    return {
      filter,
      comparison: 'COMPARISON_LT',
      thresholdValue: 1,
      duration: `${ALERT_PERIOD_SECONDS}s`,
      evaluationMissingData: GCP_MISSING_DATA,
      aggregations: [
        { alignmentPeriod: `${GCP_ALIGNMENT_SECONDS}s`, perSeriesAligner: 'ALIGN_MIN', ...(sum ? { crossSeriesReducer: 'REDUCE_SUM' } : {}) },
      ],
      trigger: { count: 1 },
    };
  }

  private gcpPolicy(stack: TerraformStack, props: AlertsProps, id: string, displayName: string, severity: Severity, what: string, conditions: MonitoringAlertPolicyConditions[]): void {
    named(
      new MonitoringAlertPolicy(stack, `google_monitoring_alert_policy.${id}`, {
        displayName,
        severity: GCP_SEVERITY[severity],
        combiner: 'OR',
        conditions,
        notificationChannels: [...props.alerts.targets[severity].notificationChannels],
        documentation: { mimeType: 'text/markdown', content: `privlink: ${what} Run \`privlink status ${props.name}\`.` },
        userLabels: { ...props.labels },
      }),
      id,
    );
  }

  private awsActions(props: AlertsProps, severity: Severity): { alarmActions: string[]; okActions: string[] } {
    const topics = [...props.alerts.targets[severity].snsTopicArns];
    return { alarmActions: topics, okActions: topics };
  }
}
