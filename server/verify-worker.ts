/**
 * Worker thread entry: TUF verification of a large repository or upload is
 * CPU-bound (a 100k-target targets.json takes ~0.7 s); doing it here keeps the
 * event loop, and so /metrics and the API, answering meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import { HttpSource, openSource } from '../sources/index.js';
import { stagedSource } from '../sources/overlay.js';
import { walkAgentRoots } from '../tuf/agent-walk.js';
import { messageOf } from '../tuf/errors.js';
import type { MetadataSource } from '../tuf/source.js';
import { verifyRepository, type VerifyReport } from '../tuf/verify.js';
import type { VerifyJob, VerifyReply } from './verifier.js';

const DAY_MS = 24 * 3600 * 1000;

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
    job.agents === undefined
      ? undefined
      : await walkAgentRoots(job.agents.roots, repository, report, {
          now: common.now,
          lookaheadAt: new Date(common.now.getTime() + job.agents.lookaheadDays * DAY_MS),
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
