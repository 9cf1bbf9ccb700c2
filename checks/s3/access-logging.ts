import { bucketCheck } from '../aws/common.js';
import type { CheckDefinition } from '../types.js';

/**
 * Server access logging to another bucket: who read or wrote which object,
 * including anonymous requests CloudTrail data events do not show. Logs
 * delivered into the update bucket itself fail: they would be served next to
 * the repository (agents' addresses) and loop.
 */
export const accessLoggingCheck: CheckDefinition = {
  id: 's3.access-logging',
  title: 'Access to the update bucket is logged',
  component: 's3-bucket',
  severity: 'medium',
  criteria: ['CC7.2', 'CC7.3'],
  remediation:
    'Log to a separate, private bucket of the account: ' +
    '`aws s3api put-bucket-logging --bucket <bucket> --bucket-logging-status \'{"LoggingEnabled":{"TargetBucket":"<log-bucket>","TargetPrefix":"<bucket>/"}}\'`; ' +
    "the log bucket's policy must allow the `logging.s3.amazonaws.com` service principal with `aws:SourceAccount` = <account-id>. " +
    'S3 console > bucket > Properties > Server access logging > Edit.',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ logging: s3.logging }),
      ({ logging }, { bucket }) => {
        const evidence = {
          enabled: logging !== null,
          targetBucket: logging?.targetBucket ?? null,
          targetPrefix: logging?.targetPrefix ?? null,
        };
        if (logging === null)
          return { status: 'fail', message: 'server access logging is off', evidence };
        if (logging.targetBucket === bucket)
          return {
            status: 'fail',
            message: 'access logs are delivered into the update bucket itself',
            evidence,
          };
        return { status: 'pass', message: `access logs go to ${logging.targetBucket}`, evidence };
      },
    ),
};
