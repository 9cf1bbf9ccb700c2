import t from 'tap';
import { agentRootsCheck, type AgentEvidence } from '../../../checks/tuf/agent-roots.js';
import { MemorySource } from '../../../sources/memory.js';
import { walkAgentRoot } from '../../../tuf/agent-walk.js';
import type { MetadataSource } from '../../../tuf/source.js';
import type { VerifyReport } from '../../../tuf/verify.js';
import type { RepoBuilder } from '../../support/builder.js';
import {
  cleanRepo,
  collected,
  commonCases,
  DAY_MS,
  evidenceOf,
  handReport,
  NOW,
  snapshot,
  verifyBuilt,
} from '../../support/checks.js';

const check = agentRootsCheck;
const APPLICABLE = { agentRoots: ['fleetd-1'] };

interface Agent {
  name: string;
  /** Which root version of the repository the agent embeds. */
  embeds: number;
}

/** Verifies the repository as the monitor does, and walks each agent root as the worker does. */
async function run(
  repo: RepoBuilder,
  agents: readonly Agent[] = [{ name: 'fleetd-1', embeds: 1 }],
  source?: MetadataSource,
  served?: ReadonlyMap<string, Uint8Array>,
): Promise<VerifyReport> {
  const files = repo.build();
  const report = await verifyBuilt(files);
  const agentRoots = [];
  for (const agent of agents) {
    agentRoots.push(
      await walkAgentRoot({
        name: agent.name,
        root: files.get(`${agent.embeds}.root.json`)!,
        metadata: source ?? new MemorySource(served ?? files),
        now: NOW,
        lookaheadAt: new Date(NOW.getTime() + 30 * DAY_MS),
        currentRootVersion: report.roles.root?.version,
      }),
    );
  }
  return { ...report, agentRoots };
}

const agentsOf = (outcome: ReturnType<typeof check.evaluate>): Record<string, AgentEvidence> =>
  evidenceOf(outcome).agents as Record<string, AgentEvidence>;

t.test('common cases', (t) => {
  commonCases(t, check, APPLICABLE);
  t.end();
});

t.test('no agent roots configured: not_applicable', (t) => {
  for (const extra of [{}, { agentRoots: [] }]) {
    const outcome = check.evaluate(collected([snapshot(handReport(), extra)]));
    t.equal(outcome.status, 'not_applicable');
  }
  t.end();
});

t.test('agent roots configured but not walked: error', (t) => {
  const outcome = check.evaluate(collected([snapshot(handReport(), APPLICABLE)]));
  t.equal(outcome.status, 'error');
  t.end();
});

t.test('agents holding v1 and v2 chain to today: pass', async (t) => {
  const repo = cleanRepo()
    .rotateRoot({ roles: { root: { threshold: 2 }, timestamp: {} } })
    .rotateRoot({ roles: { root: { threshold: 2 } } });
  const report = await run(repo, [
    { name: 'fleetd-1', embeds: 1 },
    { name: 'fleetd-2', embeds: 2 },
  ]);
  const outcome = check.evaluate(
    collected([snapshot(report, { agentRoots: ['fleetd-1', 'fleetd-2'] })]),
  );
  t.equal(outcome.status, 'pass', outcome.message);
  const agents = agentsOf(outcome);
  t.match(agents['fleetd-1'], {
    status: 'pass',
    reachable: true,
    embeddedRootVersion: 1,
    finalRootVersion: 3,
    failure: null,
    breaksAt: String,
    lookahead: { reachable: true },
  });
  t.match(agents['fleetd-2'], { status: 'pass', embeddedRootVersion: 2, finalRootVersion: 3 });
});

t.test("a rotation the agent root's keys did not sign: fail, naming the step", async (t) => {
  const repo = cleanRepo().rotateRoot({ roles: { root: {} }, signers: 'new' });
  const outcome = check.evaluate(collected([snapshot(await run(repo), APPLICABLE)]));
  t.equal(outcome.status, 'fail', outcome.message);
  t.match(agentsOf(outcome)['fleetd-1'], {
    status: 'fail',
    reachable: false,
    finalRootVersion: 1,
    failure: { code: 'ROOT_ROTATION_INVALID', file: '2.root.json' },
    breaksAt: null,
    lookahead: null,
  });
});

t.test('a missing intermediate N.root.json: fail', async (t) => {
  const repo = cleanRepo()
    .rotateRoot({ roles: { root: { threshold: 2 } } })
    .rotateRoot({ roles: { root: { threshold: 2 } } });
  // The repository is at root v3 (as tufwatch's own root chain saw it); agents are served no 2.root.json.
  const served = new Map(repo.build());
  served.delete('2.root.json');
  const report = await run(repo, undefined, undefined, served);
  const outcome = check.evaluate(collected([snapshot(report, APPLICABLE)]));
  t.equal(outcome.status, 'fail', outcome.message);
  t.match(agentsOf(outcome)['fleetd-1'], {
    status: 'fail',
    finalRootVersion: 1,
    failure: { code: 'METADATA_MISSING', file: '2.root.json' },
  });
});

t.test('a root that expires within the look-ahead: warn with the date', async (t) => {
  const expires = new Date(NOW.getTime() + 10 * DAY_MS);
  const repo = cleanRepo({ expires: { root: expires } });
  const outcome = check.evaluate(collected([snapshot(await run(repo), APPLICABLE)]));
  t.equal(outcome.status, 'warn', outcome.message);
  t.match(agentsOf(outcome)['fleetd-1'], {
    status: 'warn',
    reachable: true,
    breaksAt: expires.toISOString(),
    breaksRole: 'root',
    breaksVersion: 1,
    lookahead: { reachable: false, failure: { code: 'METADATA_EXPIRED', role: 'root' } },
  });
});

t.test(
  'a timestamp that expires within the look-ahead: pass (tuf.expiry watches it)',
  async (t) => {
    const repo = cleanRepo({ expires: { timestamp: new Date(NOW.getTime() + 10 * DAY_MS) } });
    const outcome = check.evaluate(collected([snapshot(await run(repo), APPLICABLE)]));
    t.equal(outcome.status, 'pass', outcome.message);
    t.match(agentsOf(outcome)['fleetd-1'], { reachable: true, lookahead: { reachable: true } });
  },
);

t.test('an unreachable repository: error', async (t) => {
  const down: MetadataSource = {
    location: 'https://down.test',
    read: () => Promise.reject(new Error('connect ECONNREFUSED')),
    stream: () => {
      throw new Error('unused');
    },
  };
  const report = await run(cleanRepo(), undefined, down);
  const outcome = check.evaluate(collected([snapshot(report, APPLICABLE)]));
  t.equal(outcome.status, 'error', outcome.message);
  t.match(agentsOf(outcome)['fleetd-1'], {
    status: 'error',
    reachable: false,
    failure: { code: 'FETCH_FAILED' },
  });
});

t.test('a fetch that fails only in the look-ahead walk: error', (t) => {
  const report = handReport({
    agentRoots: [
      {
        name: 'fleetd-1',
        embeddedRootVersion: 1,
        reachable: true,
        finalRootVersion: 1,
        roles: [],
        lookahead: {
          at: NOW.toISOString(),
          reachable: false,
          failure: { code: 'FETCH_FAILED', message: 'HTTP 503' },
        },
      },
    ],
  });
  const outcome = check.evaluate(collected([snapshot(report, APPLICABLE)]));
  t.equal(outcome.status, 'error');
  t.match(agentsOf(outcome)['fleetd-1'], {
    status: 'error',
    embeddedRootVersion: 1,
    breaksAt: null,
  });
  t.end();
});

t.test('an embedded root that does not verify itself: fail, with no versions', (t) => {
  const report = handReport({
    agentRoots: [
      {
        name: 'fleetd-1',
        reachable: false,
        roles: [],
        failure: { code: 'SIGNATURE_THRESHOLD_NOT_MET', message: 'root: 0 of 1' },
      },
    ],
  });
  const outcome = check.evaluate(collected([snapshot(report, APPLICABLE)]));
  t.equal(outcome.status, 'fail');
  t.match(agentsOf(outcome)['fleetd-1'], {
    embeddedRootVersion: null,
    finalRootVersion: null,
    failure: { code: 'SIGNATURE_THRESHOLD_NOT_MET' },
  });
  t.end();
});
