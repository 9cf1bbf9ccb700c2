import type { CheckDefinition } from '../types.js';
import { evaluateTrails, trailFacts, trailVerdict } from './trails.js';

/** A delivery older than this is late: CloudTrail delivers about every 5 minutes while there is activity. */
export const MAX_DELIVERY_AGE_SECONDS = 24 * 3600;

/**
 * Every trail in scope that is logging delivers: no LatestDeliveryError (nor a
 * digest delivery error when log file validation is on) and a delivery within
 * the last day of the run's reference time.
 */
export const deliveryCheck: CheckDefinition = {
  id: 'cloudtrail.delivery',
  title: 'Trail logs are delivered',
  component: 'cloudtrail',
  severity: 'high',
  criteria: ['CC7.2'],
  remediation:
    'Read the error: `aws cloudtrail get-trail-status --name <trail-arn>` (LatestDeliveryError). ' +
    '`AccessDenied`/`NoSuchBucket`: restore the log bucket and its policy (CloudTrail console > Trails > trail > Storage location shows the bucket; the policy must allow `cloudtrail.amazonaws.com` `s3:PutObject` with `aws:SourceArn` = the trail ARN). ' +
    '`KMS.*`: the key policy must let `cloudtrail.amazonaws.com` use the key (`kms:GenerateDataKey*`) for this trail. ' +
    'No delivery for a day without an error: check that the trail is logging and that the account has activity in the region.',
  evaluate: (data) =>
    evaluateTrails(
      data,
      {
        mode: 'every',
        none: 'no trail in scope is logging, so no log is delivered',
        passed: 'every logging trail delivered within the last day',
      },
      (trail) => {
        const ageSeconds = (time: string): number =>
          Math.floor((data.now.getTime() - Date.parse(time)) / 1000);
        if (!trail.status.ok) return trailVerdict([], trailFacts(trail), [trail.status]);
        const status = trail.status.value;
        const facts = {
          ...trailFacts(trail),
          isLogging: status.isLogging,
          latestDeliveryTime: status.latestDeliveryTime,
          latestDeliveryError: status.latestDeliveryError,
          latestDigestDeliveryTime: status.latestDigestDeliveryTime,
          latestDigestDeliveryError: status.latestDigestDeliveryError,
          ageSeconds:
            status.latestDeliveryTime === null ? null : ageSeconds(status.latestDeliveryTime),
        };
        if (!status.isLogging) return { status: 'not_applicable', problems: [], facts };
        const problems: string[] = [];
        if (status.latestDeliveryError !== null)
          problems.push(`delivery error ${status.latestDeliveryError}`);
        const deliveredAt = status.latestDeliveryTime;
        if (deliveredAt === null) problems.push('no delivery on record');
        else if (ageSeconds(deliveredAt) > MAX_DELIVERY_AGE_SECONDS)
          problems.push(`last delivery ${deliveredAt} is more than a day old`);
        if (trail.logFileValidationEnabled && status.latestDigestDeliveryError !== null)
          problems.push(`digest delivery error ${status.latestDigestDeliveryError}`);
        return trailVerdict(problems, facts);
      },
    ),
};
