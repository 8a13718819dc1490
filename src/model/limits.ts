/**
 * Limits that depend on the fleet config as well as the spec: the tags and labels every resource carries are the
 * fleet's labels, the spec's own and privlink's (model.ts merges them), plus each AWS resource's Name tag.
 */
import { LABEL_CUSTOMER, LABEL_MANAGED_BY } from '../domain/constants';
import { AWS_TAGS_PER_RESOURCE, LIMIT_SOURCES } from '../domain/limits';
import type { FleetConfig } from '../fleet/schema';
import type { Finding } from '../input/rules';
import type { CustomerSpec } from '../input/schema';

/** privlink's own keys on every resource, and the Name tag each AWS resource adds. */
const OWN_LABELS = [LABEL_MANAGED_BY, LABEL_CUSTOMER];
const NAME_TAGS = 1;

/** Every label key a customer's resources carry. */
export const labelKeys = (spec: CustomerSpec, fleet: FleetConfig) => new Set([...Object.keys(fleet.labels), ...Object.keys(spec.labels), ...OWN_LABELS]);

export function limitFindings(specs: readonly { file: string; spec: CustomerSpec }[], fleet: FleetConfig): { file: string; finding: Finding }[] {
  const out: { file: string; finding: Finding }[] = [];
  for (const { file, spec } of specs) {
    const keys = labelKeys(spec, fleet);
    const tags = keys.size + NAME_TAGS;
    const fleetOnly = Object.keys(fleet.labels).filter((k) => !(k in spec.labels)).length;
    const parts = `privlink.yaml's ${fleetOnly}, this spec's ${Object.keys(spec.labels).length} and privlink's ${OWN_LABELS.length} (${OWN_LABELS.join(', ')})`;
    if (tags > AWS_TAGS_PER_RESOURCE) {
      out.push({
        file,
        finding: {
          path: ['labels'],
          atKey: true,
          message: `every AWS resource would carry ${tags} tags: ${parts} labels, and its Name tag; AWS allows ${AWS_TAGS_PER_RESOURCE} (${LIMIT_SOURCES.awsTags}). Remove ${tags - AWS_TAGS_PER_RESOURCE} labels here or in privlink.yaml`,
        },
      });
    }
    // Google's 64 labels per resource is looser than AWS's 50 tags for the same keys: within AWS's, within Google's.
  }
  return out;
}
