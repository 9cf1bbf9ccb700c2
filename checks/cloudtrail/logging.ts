import type { CheckDefinition } from '../types.js';
import { managementEvents } from './selectors.js';
import { coversRegion, evaluateTrails, trailFacts, trailVerdict } from './trails.js';

/**
 * A multi-region trail, or an organization trail (seen from a member account
 * as a shadow trail, read by its full ARN), covering the bucket's region, is
 * logging management events, read and write: every change to the bucket and
 * to the trail itself is on record.
 */
export const loggingCheck: CheckDefinition = {
  id: 'cloudtrail.logging',
  title: 'A trail records every management event of the bucket region',
  component: 'cloudtrail',
  severity: 'high',
  criteria: ['CC7.2', 'CC7.3', 'CC8.1'],
  remediation:
    'If a trail stopped: find who stopped it (`cloudtrail.config-changes` evidence), then `aws cloudtrail start-logging --name <trail-arn>` (for an organization trail, from the management account). ' +
    'If there is none: `aws cloudtrail create-trail --name <name> --s3-bucket-name <log-bucket> --is-multi-region-trail --enable-log-file-validation --kms-key-id <key-arn>`, then `aws cloudtrail start-logging --name <name>`. ' +
    'Record management events read and write: `aws cloudtrail put-event-selectors --trail-name <trail> --advanced-event-selectors \'[{"Name":"Management","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]\'` ' +
    '(append the data event selector of `cloudtrail.s3-write-data-events`: put-event-selectors replaces them all). ' +
    'A single-region trail: `aws cloudtrail update-trail --name <trail> --is-multi-region-trail`.',
  evaluate: (data) =>
    evaluateTrails(
      data,
      {
        mode: 'any',
        none: 'no trail covers the bucket region',
        passed: 'a trail records management events, read and write',
      },
      (trail, { bucketRegion }) => {
        const problems: string[] = [];
        const facts: Record<string, unknown> = {
          ...trailFacts(trail),
          coversBucketRegion: coversRegion(trail, bucketRegion),
        };
        if (!coversRegion(trail, bucketRegion)) problems.push(`does not cover ${bucketRegion}`);
        if (!trail.isMultiRegion && !trail.isOrganizationTrail)
          problems.push('neither multi-region nor an organization trail');
        if (trail.status.ok) {
          const { isLogging, startLoggingTime, stopLoggingTime } = trail.status.value;
          Object.assign(facts, { isLogging, startLoggingTime, stopLoggingTime });
          if (!isLogging) problems.push(`not logging (stopped at ${stopLoggingTime ?? 'unknown'})`);
        }
        if (trail.eventSelectors.ok) {
          const management = managementEvents(trail.eventSelectors.value);
          facts.managementEvents = management;
          const missing = [!management.read && 'read', !management.write && 'write'].filter(
            (x): x is string => typeof x === 'string',
          );
          if (missing.length > 0)
            problems.push(`does not record management ${missing.join(' and ')} events`);
        }
        return trailVerdict(problems, facts, [trail.status, trail.eventSelectors]);
      },
    ),
};
