/**
 * Worker thread entry: TUF verification of a large repository or upload is
 * CPU-bound (a 100k-target targets.json takes ~0.7 s); doing it here keeps the
 * event loop, and so /metrics and the API, answering meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import { HttpSource, openSource } from '../sources/index.js';
import { stagedSource } from '../sources/overlay.js';
import { walkAgentRoot, type AgentRootWalk } from '../tuf/agent-walk.js';
import { messageOf } from '../tuf/errors.js';
import type { Limits } from '../tuf/limits.js';
import type { MetadataSource } from '../tuf/source.js';
import { verifyRepository, type VerifyReport } from '../tuf/verify.js';
import type { VerifyJob, VerifyReply } from './verifier.js';

async function handle(job: VerifyJob): Promise<VerifyReport> {
  const common = {
    trustedRoot: job.trustedRoot,
    now: new Date(job.now),
    limits: job.limits,
    horizons: job.horizons,
    published: job.published === undefined ? undefined : openSource(job.published),
  };
  if (job.kind === 'staged') {
    return verifyRepository({
      ...common,
      repository: stagedSource(new Map(job.files), common.published),
      targetsMode: 'skip',
    });
  }
  const repository = openSource(job.url);
  const targets = openSource(job.targetsUrl);
  const report = await verifyRepository({
    ...common,
    repository,
    targets,
    targetsMode: job.checkTargets ? 'auto' : 'skip',
    previous: job.previous,
    verifiedTargets: new Map(job.verifiedTargets),
    targetReverify: job.targetReverify,
    includeTargets: true,
  });
  const agentRoots =
    job.agentRoots === undefined
      ? undefined
      : await walkAgents(job.agentRoots, repository, report, {
          now: common.now,
          lookaheadDays: job.agentLookaheadDays ?? 0,
          limits: job.limits,
        });
  // Where the answers came from, when a host redirected: evidence names the final URLs.
  const redirects = [repository, targets].flatMap(redirectsOf);
  return {
    ...report,
    ...(redirects.length > 0 && { redirects: Object.fromEntries(redirects) }),
    ...(agentRoots !== undefined && { agentRoots }),
  };
}

const DAY_MS = 24 * 3600 * 1000;

/** Each agent root's walk against the repository as served, one after another. */
async function walkAgents(
  agents: { name: string; root: Uint8Array }[],
  metadata: MetadataSource,
  report: VerifyReport,
  options: { now: Date; lookaheadDays: number; limits: Limits },
): Promise<AgentRootWalk[]> {
  // Today's root, as far as verification trusts it: an agent short of it is not up to date.
  const root = report.untrustedRoles?.includes('root') === true ? undefined : report.roles.root;
  const walks: AgentRootWalk[] = [];
  for (const agent of agents) {
    walks.push(
      await walkAgentRoot({
        name: agent.name,
        root: agent.root,
        metadata,
        now: options.now,
        lookaheadAt: new Date(options.now.getTime() + options.lookaheadDays * DAY_MS),
        currentRootVersion: root?.version,
        limits: options.limits,
      }),
    );
  }
  return walks;
}

function redirectsOf(source: MetadataSource): [string, string][] {
  return source instanceof HttpSource ? [...source.redirects] : [];
}

/* c8 ignore next 3 -- only absent when this file is loaded outside a worker, which nothing does */
if (parentPort === null) throw new Error('verify-worker must run in a worker thread');
const port = parentPort;
port.on('message', (message: { id: number; job: VerifyJob }) => {
  handle(message.job).then(
    (report) => port.postMessage({ id: message.id, report } satisfies VerifyReply),
    (err: unknown) =>
      port.postMessage({
        id: message.id,
        error: messageOf(err),
      } satisfies VerifyReply),
  );
});
