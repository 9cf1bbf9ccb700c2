/**
 * The roll-up every HTTPS check shares, so that each check is its rule over one
 * endpoint and nothing else: `error` when the endpoints were not collected,
 * `not_applicable` when every repository is a directory, `warn` for a plain
 * `http:` endpoint (production should be HTTPS), and the worst endpoint's
 * status otherwise, with one evidence entry per endpoint.
 */
import { worstStatus } from '../controls.js';
import type { CheckOutcome, CheckStatus, CollectedData } from '../types.js';
import { httpsSnapshotOf, type HttpsEndpoint, type ProbeError } from './types.js';

/** A verdict over one HTTPS endpoint; `error` only when a probe could not run. */
export interface EndpointVerdict {
  status: Exclude<CheckStatus, 'not_applicable'>;
  message: string;
  facts: Record<string, unknown>;
}

/** `error`: the probe that could not run, in message and facts. */
export function probeFailed(what: string, error: ProbeError): EndpointVerdict {
  return {
    status: 'error',
    message: `${what} could not run: ${error.code} (${error.message})`,
    facts: { probeError: error },
  };
}

const PLAIN_HTTP: EndpointVerdict = {
  status: 'warn',
  message:
    'served over plain HTTP: nothing authenticates the endpoint (production should be HTTPS)',
  facts: { scheme: 'http' },
};

export function httpsCheck(
  data: CollectedData,
  evaluate: (endpoint: HttpsEndpoint, now: Date) => EndpointVerdict,
): CheckOutcome {
  const snapshot = httpsSnapshotOf(data);
  if (snapshot === undefined)
    return { status: 'error', message: 'the HTTPS endpoints were not probed', evidence: {} };
  const endpoints: Record<string, unknown>[] = [];
  const statuses: CheckStatus[] = [];
  const problems: string[] = [];
  for (const repo of snapshot) {
    for (const endpoint of repo.endpoints) {
      const verdict = endpoint.scheme === 'http' ? PLAIN_HTTP : evaluate(endpoint, data.now);
      statuses.push(verdict.status);
      if (verdict.status !== 'pass')
        problems.push(`${repo.repository} ${endpoint.edge} (${endpoint.url}): ${verdict.message}`);
      endpoints.push({
        repository: repo.repository,
        edge: endpoint.edge,
        url: endpoint.url,
        status: verdict.status,
        message: verdict.message,
        ...verdict.facts,
      });
    }
  }
  const directories = snapshot.filter((r) => r.location === 'directory').map((r) => r.repository);
  const evidence = { endpoints, ...(directories.length > 0 && { directories }) };
  if (statuses.length === 0)
    return {
      status: 'not_applicable',
      message: 'no repository is served over the network',
      evidence,
    };
  const status = worstStatus(statuses);
  return {
    status,
    message:
      problems.length === 0
        ? `${statuses.length} endpoint${statuses.length === 1 ? '' : 's'}: ${endpoints.map((e) => e.message as string).join('; ')}`
        : problems.join('; '),
    evidence,
  };
}
