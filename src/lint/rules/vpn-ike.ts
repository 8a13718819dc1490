import { DEFAULT_IKE } from '../../domain/constants';
import { ofType, type LintRule } from '../types';

const STRONG = {
  encryption: ['AES256', 'AES128', 'AES128-GCM-16', 'AES256-GCM-16'],
  integrity: ['SHA2-256', 'SHA2-384', 'SHA2-512'],
  dh: [14, 15, 16, 17, 18, 19, 20, 21, 23, 24],
};

export const vpnIkev2Only: LintRule = {
  id: 'PRIVLINK_VPN_IKEV2_ONLY',
  mirrors: [],
  title: 'VPN tunnels use IKEv2 only',
  check: (doc) => [
    ...ofType(doc, 'aws_vpn_connection').flatMap((r) =>
      [1, 2]
        .filter((t) => JSON.stringify(r.body[`tunnel${t}_ike_versions`]) !== JSON.stringify(['ikev2']))
        .map((t) => `${r.address}: tunnel${t}_ike_versions must be ["ikev2"] (AWS allows IKEv1 by default)`),
    ),
    ...ofType(doc, 'google_compute_vpn_tunnel')
      .filter((r) => r.body.ike_version !== 2)
      .map((r) => `${r.address}: ike_version must be 2`),
  ],
};

/** Every AWS tunnel pins its proposals (the defaults include SHA1 and DH 2), and to strong ones only. */
export const vpnStrongProposals: LintRule = {
  id: 'PRIVLINK_VPN_STRONG_PROPOSALS',
  mirrors: [],
  title: 'No weak IKE proposals (SHA1, MD5, 3DES, DH groups below 14)',
  check: (doc) =>
    ofType(doc, 'aws_vpn_connection').flatMap((r) =>
      [1, 2].flatMap((t) =>
        [1, 2].flatMap((phase) => {
          const key = (what: string) => `tunnel${t}_phase${phase}_${what}`;
          const checks: [string, readonly (string | number)[]][] = [
            [key('encryption_algorithms'), STRONG.encryption],
            [key('integrity_algorithms'), STRONG.integrity],
            [key('dh_group_numbers'), STRONG.dh],
          ];
          return checks.flatMap(([attr, allowed]) => {
            const value = r.body[attr];
            if (!Array.isArray(value) || value.length === 0) return [`${r.address}: ${attr} is unset, so AWS offers its defaults (SHA1, DH 2…); pin e.g. ${JSON.stringify([attr.includes('dh') ? DEFAULT_IKE.dhGroup : attr.includes('integrity') ? DEFAULT_IKE.integrity : DEFAULT_IKE.encryption])}`];
            const weak = value.filter((v) => !allowed.includes(v as string | number));
            return weak.length > 0 ? [`${r.address}: ${attr} offers weak ${weak.join(', ')}; allowed: ${allowed.join(', ')}`] : [];
          });
        }),
      ),
    ),
};
