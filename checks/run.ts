import { messageOf } from '../tuf/errors.js';
import type { CheckDefinition, CheckResult, CollectedData } from './types.js';

/**
 * Evaluates every check over the collected data. Evaluation is pure and
 * synchronous; one check that throws becomes `error` and never stops the others.
 */
export function runChecks(
  definitions: readonly CheckDefinition[],
  data: CollectedData,
  clock: () => Date,
): CheckResult[] {
  return definitions.map((definition) => {
    const started = performance.now();
    let outcome: Pick<CheckResult, 'status' | 'message' | 'evidence'>;
    try {
      outcome = definition.evaluate(data);
    } catch (err) {
      outcome = {
        status: 'error',
        message: `the check could not be evaluated: ${messageOf(err)}`,
        evidence: {},
      };
    }
    return {
      id: definition.id,
      ...outcome,
      evaluatedAt: clock().toISOString(),
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
  });
}
