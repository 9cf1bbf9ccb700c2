import type { AgentRootWalk } from '../../tuf/agent-walk.js';
import { worstStatus } from '../controls.js';
import type { CheckDefinition, CheckStatus } from '../types.js';
import { evaluateRepositories } from './common.js';

/** What the check says about one agent root; the metrics read these fields. */
export interface AgentEvidence {
  status: CheckStatus;
  reachable: boolean;
  embeddedRootVersion: number | null;
  finalRootVersion: number | null;
  /** The first step that failed today, as the client reported it. */
  failure: AgentRootWalk['failure'] | null;
  /** When this agent's path next breaks (the earliest expiry it depends on), ISO 8601. */
  breaksAt: string | null;
  /** The role whose expiry that is, with its version. */
  breaksRole: string | null;
  breaksVersion: number | null;
  /** The look-ahead walk: its time, and the step that failed then. */
  lookahead: AgentRootWalk['lookahead'] | null;
}

/**
 * Every agent release embeds the root of its day, and an agent updates only
 * by walking the root chain from there (TUF 5.3): a root whose keys did not
 * sign the next rotation, a missing `N.root.json` or an expired final root
 * strands every agent holding an older root (Fleet's October 2024 outage).
 */
export const agentRootsCheck: CheckDefinition = {
  id: 'tuf.agent-roots',
  title: 'Agents holding every shipped root can still update',
  component: 'tuf-repository',
  severity: 'critical',
  criteria: ['A1.2', 'PI1.4'],
  remediation:
    'Cannot update: publish the missing `N.root.json` files so the chain from that root is complete, and make sure each new root is signed by a threshold of the previous root keys (`fleetctl updates rotate root` signs with both). ' +
    'An expired root, timestamp, snapshot or targets: re-sign it and publish it. ' +
    'Will stop updating: re-sign the role named in the evidence before the date given (timestamp: `fleetctl updates timestamp`; root: a new root version signed with the offline keys). ' +
    'Error: the repository could not be reached; see the fetch failure in the evidence.',
  evaluate: (data) =>
    evaluateRepositories(
      {
        // Today's root, against which an agent's final root is compared.
        roles: ['root'],
        notApplicable: ({ agentRoots }) =>
          agentRoots === undefined || agentRoots.length === 0
            ? 'no agent roots are configured for this repository (repositories[].agentRoots)'
            : undefined,
        evaluate({ report }) {
          if (report.agentRoots === undefined) {
            return {
              status: 'error',
              problems: ['the agent roots were not walked'],
              evidence: { agents: {} },
            };
          }
          const problems: string[] = [];
          const agents: Record<string, AgentEvidence> = {};
          for (const walk of report.agentRoots) {
            const evidence = agentEvidence(walk);
            agents[walk.name] = evidence;
            const problem = problemOf(walk, evidence);
            if (problem !== undefined) problems.push(problem);
          }
          const status = worstStatus(Object.values(agents).map((a) => a.status));
          return {
            status,
            problems,
            evidence: { agents },
            summary: `${report.agentRoots.length} agent root(s) can update`,
          };
        },
      },
      data,
    ),
};

function agentEvidence(walk: AgentRootWalk): AgentEvidence {
  const failure = walk.failure ?? walk.lookahead?.failure;
  const status: CheckStatus =
    // A fetch that failed is no answer about the agent's path: not evaluated.
    failure?.code === 'FETCH_FAILED'
      ? 'error'
      : !walk.reachable
        ? 'fail'
        : walk.lookahead?.reachable === false
          ? 'warn'
          : 'pass';
  return {
    status,
    reachable: walk.reachable,
    embeddedRootVersion: walk.embeddedRootVersion ?? null,
    finalRootVersion: walk.finalRootVersion ?? null,
    failure: walk.failure ?? null,
    breaksAt: walk.breaks?.expires ?? null,
    breaksRole: walk.breaks?.role ?? null,
    breaksVersion: walk.breaks?.version ?? null,
    lookahead: walk.lookahead ?? null,
  };
}

function problemOf(walk: AgentRootWalk, evidence: AgentEvidence): string | undefined {
  const root = `agents embedding ${walk.name}`;
  const failed = walk.failure ?? walk.lookahead?.failure;
  // Passing: neither walk failed.
  if (failed === undefined) return undefined;
  switch (evidence.status) {
    case 'error':
      return `${root}: the walk could not run: ${failed.message}`;
    case 'fail':
      return `${root} cannot update: ${failed.code}: ${failed.message}`;
    default:
      return `${root} will stop updating on ${evidence.breaksAt?.slice(0, 10)} when ${evidence.breaksRole} v${evidence.breaksVersion} expires`;
  }
}
