import { ofType, type LintRule } from '../types';

const ROOT_ARN = /^arn:aws[a-z-]*:iam::\d{12}:root$/;

/** Values of `allowed_principals`, with `${local.x}` resolved against the module's locals when given. */
function principals(value: unknown, locals: Readonly<Record<string, unknown>>): unknown[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((p) => {
    const m = typeof p === 'string' ? /^\$\{local\.([A-Za-z0-9_]+)\}$/.exec(p) : null;
    return m ? locals[m[1]!] : p;
  });
}

/** The endpoint service admits exactly the operator account's root ARN: no wildcard, no second principal. */
export const endpointServicePrincipal: LintRule = {
  id: 'PRIVLINK_ENDPOINT_SERVICE_PRINCIPAL',
  mirrors: [],
  title: "Endpoint service allowlists exactly the operator's account",
  check: (doc) =>
    ofType(doc, 'aws_vpc_endpoint_service').flatMap((r) => {
      const list = principals(r.body.allowed_principals, doc.locals);
      if (list.length !== 1) return [`${r.address}: allowed_principals must name exactly one principal, got ${list.length}`];
      const p = list[0];
      return typeof p === 'string' && ROOT_ARN.test(p) ? [] : [`${r.address}: allowed principal must be arn:aws:iam::<operator account>:root, got ${JSON.stringify(p)}`];
    }),
};
