import { accountCheck } from '../aws/common.js';
import type { CheckDefinition } from '../types.js';
import { ALL_FLAGS_ON, blockVerdict } from './common.js';

/** S3 Block Public Access on the account (S3 Control): a guard for every bucket, this one included. */
export const accountBlockPublicAccessCheck: CheckDefinition = {
  id: 's3.account-block-public-access',
  title: 'The account blocks public S3 access',
  component: 's3-bucket',
  severity: 'medium',
  criteria: ['CC6.1', 'CC6.6'],
  remediation:
    'Turn on all four flags for the account (check first that no other bucket of the account must be public): ' +
    `\`aws s3control put-public-access-block --account-id <account-id> --public-access-block-configuration ${ALL_FLAGS_ON}\`, ` +
    'or S3 console > Block Public Access settings for this account > Edit > Block all public access.',
  evaluate: (data) =>
    accountCheck(
      data,
      (account) => ({ block: account.publicAccessBlock }),
      ({ block }) => blockVerdict(block, 'the account'),
    ),
};
