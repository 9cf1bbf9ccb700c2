import type { CheckDefinition } from '../types.js';
import { evaluateTrails, trailFacts, trailVerdict } from './trails.js';

/** Log file integrity validation: signed digests prove no log file was changed or deleted after delivery. */
export const logValidationCheck: CheckDefinition = {
  id: 'cloudtrail.log-validation',
  title: 'Trail log files can be proven intact',
  component: 'cloudtrail',
  severity: 'medium',
  criteria: ['CC7.2', 'PI1.5'],
  remediation:
    "`aws cloudtrail update-trail --name <trail-arn> --enable-log-file-validation` (from the trail's home region and account), " +
    'or CloudTrail console > Trails > trail > General details > Edit > Log file validation. ' +
    'Verify later with `aws cloudtrail validate-logs --trail-arn <trail-arn> --start-time <time>`.',
  evaluate: (data) =>
    evaluateTrails(
      data,
      {
        mode: 'every',
        none: 'no trail covers the bucket region',
        passed: 'log file validation is on for every trail in scope',
      },
      (trail) =>
        trailVerdict(trail.logFileValidationEnabled ? [] : ['log file validation is off'], {
          ...trailFacts(trail),
          logFileValidationEnabled: trail.logFileValidationEnabled,
        }),
    ),
};
