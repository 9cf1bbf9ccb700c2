import { setTimeout as delay } from 'node:timers/promises';
import type { AwsConfig } from '../../server/types.js';
import { type AwsClients, createAwsClients, destroyAwsClients } from './clients.js';
import { collectCloudTrail, DEFAULT_LOOKUP_LIMITS, type LookupLimits } from './cloudtrail.js';
import { collectAccountS3, collectS3 } from './s3.js';
import type { AwsSnapshot } from './types.js';

export interface CollectAwsOptions {
  /** The run's reference time: `collectedAt` and the end of the LookupEvents window. */
  now: Date;
  /** LookupEvents window in days (default 7). */
  lookbackDays?: number;
  /** Spacing of LookupEvents calls in ms (default 500: AWS allows 2 per second). */
  lookupSpacingMs?: number;
  /** Page cap per event name (default 5). */
  maxLookupPagesPerEventName?: number;
  /** Clients to use instead of building them from config; the caller owns (and destroys) them. */
  clients?: AwsClients;
  /** Waits between LookupEvents calls; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Reads everything the S3 and CloudTrail checks evaluate. Never throws for an
 * AWS answer: every failed call is an `ok: false` item of the snapshot.
 */
export async function collectAws(
  config: AwsConfig,
  options: CollectAwsOptions,
): Promise<AwsSnapshot> {
  const clients = options.clients ?? createAwsClients(config);
  const limits: LookupLimits = {
    lookbackDays: options.lookbackDays ?? DEFAULT_LOOKUP_LIMITS.lookbackDays,
    spacingMs: options.lookupSpacingMs ?? DEFAULT_LOOKUP_LIMITS.spacingMs,
    maxPagesPerEventName:
      options.maxLookupPagesPerEventName ?? DEFAULT_LOOKUP_LIMITS.maxPagesPerEventName,
  };
  try {
    const [s3, accountS3, cloudtrail] = await Promise.all([
      collectS3(clients.s3, config.bucket, config.expectedBucketOwner),
      collectAccountS3(clients.s3control, config.accountId),
      collectCloudTrail(clients.cloudtrail, {
        ...limits,
        region: config.region,
        accountId: config.accountId,
        ...(config.trails === undefined ? {} : { trails: config.trails }),
        now: options.now,
        sleep: options.sleep ?? ((ms) => delay(ms)),
        clock: () => performance.now(),
      }),
    ]);
    return {
      collectedAt: options.now.toISOString(),
      accountId: config.accountId,
      region: config.region,
      bucket: config.bucket,
      expectedBucketOwner: config.expectedBucketOwner,
      s3,
      accountS3,
      cloudtrail,
      ...(config.allowedPrincipals !== undefined && {
        allowedPrincipals: config.allowedPrincipals,
      }),
      ...(config.crossAccountWriters !== undefined && {
        crossAccountWriters: config.crossAccountWriters,
      }),
      ...(config.allowPublicRead === true && { allowPublicRead: true }),
    };
  } finally {
    // Clients built here hold sockets (keep-alive): release them.
    if (options.clients === undefined) destroyAwsClients(clients);
  }
}
