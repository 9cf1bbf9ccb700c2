import { partitionOf } from '../aws/policy.js';
import type { CheckDefinition } from '../types.js';
import { s3WriteDataEvents } from './selectors.js';
import { coversRegion, evaluateTrails, trailFacts, trailVerdict } from './trails.js';

/**
 * A logging trail covering the bucket's region records WRITE data events for
 * every object of the bucket (`arn:aws:s3:::<bucket>/`): who uploaded or
 * deleted each metadata file and binary. Basic and advanced event selectors
 * are evaluated with CloudTrail's semantics (see selectors.ts).
 */
export const s3WriteDataEventsCheck: CheckDefinition = {
  id: 'cloudtrail.s3-write-data-events',
  title: 'Every write to the update bucket objects is recorded',
  component: 'cloudtrail',
  severity: 'high',
  criteria: ['CC7.2', 'CC7.3', 'CC8.1'],
  remediation:
    "Add a data event selector (put-event-selectors replaces the trail's selectors: keep the management one): " +
    '`aws cloudtrail put-event-selectors --trail-name <trail-arn> --advanced-event-selectors \'[{"Name":"Management","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]},' +
    '{"Name":"Update bucket writes","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"readOnly","Equals":["false"]},{"Field":"resources.ARN","StartsWith":["arn:aws:s3:::<bucket>/"]}]}]\'`. ' +
    'Remove narrower `resources.ARN` prefixes, `NotStartsWith` exclusions and `eventName` filters named in the evidence.',
  evaluate: (data) =>
    evaluateTrails(
      data,
      {
        mode: 'any',
        none: 'no trail covers the bucket region',
        passed: 'a logging trail records every write to the bucket objects',
      },
      (trail, { aws, bucketRegion }) => {
        const problems: string[] = [];
        const facts: Record<string, unknown> = trailFacts(trail);
        if (!coversRegion(trail, bucketRegion)) problems.push(`does not cover ${bucketRegion}`);
        if (trail.status.ok) {
          facts.isLogging = trail.status.value.isLogging;
          if (!trail.status.value.isLogging) problems.push('not logging');
        }
        if (trail.eventSelectors.ok) {
          const coverage = s3WriteDataEvents(
            trail.eventSelectors.value,
            aws.bucket,
            partitionOf(aws.region),
          );
          facts.dataEvents = coverage;
          if (coverage.covered !== 'all')
            problems.push(
              coverage.covered === 'partial'
                ? `records writes to only part of the bucket (${coverage.selectors.flatMap((s) => s.limits).join('; ')})`
                : 'records no write data events for the bucket',
            );
        }
        return trailVerdict(problems, facts, [trail.status, trail.eventSelectors]);
      },
    ),
};
