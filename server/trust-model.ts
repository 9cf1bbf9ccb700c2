import type { CheckStatus, Criterion } from '../checks/types.js';
import type { AppDeps, RunDetail } from './types.js';

/**
 * What the public trust page shows, and `GET /api/v1/trust` answers: the
 * audited system and each control's live status. Nothing sensitive: no
 * evidence, no check messages, no URLs, no account ids.
 */
export interface TrustModel {
  system: { name: string; description: string };
  controls: TrustControl[];
  /** When the latest completed run finished; absent before the first one. */
  updatedAt?: string;
}

export interface TrustControl {
  id: string;
  title: string;
  description: string;
  criteria: Criterion[];
  status: CheckStatus;
  /** When the control last passed; absent when it never has. */
  lastPassedAt?: string;
}

/**
 * A control's status in a completed run. Before the first run, or when the run
 * did not evaluate the control (the catalog changed since), it is `error`:
 * what was not evaluated is never shown as passing.
 */
export function controlStatus(run: RunDetail | undefined, controlId: string): CheckStatus {
  return run?.controls.find((c) => c.id === controlId)?.status ?? 'error';
}

/** Builds the trust model from the catalog, the latest completed run and when each control last passed. */
export function buildTrustModel(deps: Pick<AppDeps, 'config' | 'store'>): TrustModel {
  const run = deps.store.latestCompletedRun();
  const controls = deps.config.controls.map((c): TrustControl => {
    const lastPassedAt = deps.store.lastPassed(c.id);
    return {
      id: c.id,
      title: c.title,
      description: c.description,
      criteria: [...c.criteria],
      status: controlStatus(run, c.id),
      ...(lastPassedAt !== undefined && { lastPassedAt }),
    };
  });
  const model: TrustModel = { system: { ...deps.config.system }, controls };
  if (run?.finishedAt !== undefined) model.updatedAt = run.finishedAt;
  return model;
}
