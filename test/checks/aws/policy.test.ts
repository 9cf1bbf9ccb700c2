import t from 'tap';
import {
  accountOf,
  type BucketRef,
  deniesInsecureTransportForWrites,
  globMatch,
  grantsPublicRead,
  grantsWriteOutsideAccount,
  isCloudFrontOacRead,
  isCloudFrontOaiRead,
  partitionOf,
  type Policy,
  resourceCoverage,
  toPolicy,
  WRITE_ACTIONS,
  writeActionsOf,
} from '../../../checks/aws/policy.js';
import type { PolicyStatement } from '../../../checks/aws/types.js';
import {
  ACCOUNT,
  BUCKET,
  BUCKET_ARN,
  CROSS_ACCOUNT_WRITE,
  DENY_INSECURE_TRANSPORT,
  DISTRIBUTION_ARN,
  OAC_READ,
  OBJECTS_ARN,
  OTHER_ACCOUNT,
  OWNER_CANONICAL_ID,
  policyOf,
  PUBLIC_READ,
} from '../../support/aws/snapshots.js';

const REF: BucketRef = { name: BUCKET, accountId: ACCOUNT, ownerCanonicalId: OWNER_CANONICAL_ID };
/** Real-world policy statements, through the collector's parser. */
const policy = (...statements: unknown[]): Policy => toPolicy(policyOf(...statements));
const OBJECT_WRITES = Object.keys(WRITE_ACTIONS).filter((a) => WRITE_ACTIONS[a] === 'object');
const BUCKET_WRITES = Object.keys(WRITE_ACTIONS).filter((a) => WRITE_ACTIONS[a] === 'bucket');
const ALL_WRITES = Object.keys(WRITE_ACTIONS);

const OAI_ARN = 'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E15MNIMTCFKK4C';
const OAI_READ = {
  Sid: 'LegacyOAI',
  Effect: 'Allow',
  Principal: { AWS: OAI_ARN },
  Action: 's3:GetObject',
  Resource: OBJECTS_ARN,
};
const write = (principal: unknown, extra: Record<string, unknown> = {}): unknown => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 's3:PutObject',
  Resource: OBJECTS_ARN,
  ...extra,
});

t.test('grantsWriteOutsideAccount: real-world policies', (t) => {
  const cases: {
    name: string;
    statements: unknown[];
    allowed?: string[];
    ref?: BucketRef;
    /** Expected grants: principal kind and value, and the actions. */
    grants: {
      kind: string;
      value: string;
      actions: string[];
      organizations?: string[];
      accounts?: string[];
    }[];
  }[] = [
    {
      name: 'CloudFront OAC read and a TLS-only deny',
      statements: [OAC_READ, DENY_INSECURE_TRANSPORT],
      grants: [],
    },
    { name: 'legacy OAI read', statements: [OAI_READ], grants: [] },
    {
      name: 'cross-account write',
      statements: [CROSS_ACCOUNT_WRITE],
      grants: [
        {
          kind: 'account',
          value: `arn:aws:iam::${OTHER_ACCOUNT}:root`,
          actions: ['s3:PutObject', 's3:DeleteObject'],
        },
      ],
    },
    {
      name: 'cross-account write, account allowed',
      statements: [CROSS_ACCOUNT_WRITE],
      allowed: [OTHER_ACCOUNT],
      grants: [],
    },
    {
      name: 'cross-account write, principal ARN allowed',
      statements: [CROSS_ACCOUNT_WRITE],
      allowed: [`arn:aws:iam::${OTHER_ACCOUNT}:root`],
      grants: [],
    },
    {
      name: 'the account itself: root ARN, bare id, role, assumed role',
      statements: [
        write({ AWS: `arn:aws:iam::${ACCOUNT}:root` }),
        write({ AWS: ACCOUNT }),
        write({ AWS: [`arn:aws:iam::${ACCOUNT}:role/tuf-release`] }),
        write({ AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/tuf-release/s1` }),
      ],
      grants: [],
    },
    {
      name: 'Principal "*" confined by aws:SourceAccount to the account',
      statements: [write('*', { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } })],
      grants: [],
    },
    {
      name: 'Principal "*" with aws:SourceAccount of another account: confined to it',
      statements: [
        write('*', { Condition: { StringEquals: { 'aws:SourceAccount': OTHER_ACCOUNT } } }),
      ],
      grants: [
        { kind: 'anyone', value: '*', actions: ['s3:PutObject'], accounts: [OTHER_ACCOUNT] },
      ],
    },
    {
      name: 'a service confined to an allowed account',
      statements: [
        write(
          { Service: 'cloudtrail.amazonaws.com' },
          {
            Condition: {
              StringEquals: {
                'aws:SourceArn': `arn:aws:cloudtrail:us-east-1:${OTHER_ACCOUNT}:trail/org`,
                'aws:SourceAccount': OTHER_ACCOUNT,
              },
            },
          },
        ),
      ],
      allowed: [OTHER_ACCOUNT],
      grants: [],
    },
    {
      name: 'Principal "*" with StringEqualsIfExists: true when the key is absent',
      statements: [
        write('*', { Condition: { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } } }),
      ],
      grants: [{ kind: 'anyone', value: '*', actions: ['s3:PutObject'] }],
    },
    {
      name: 'Principal "*" with ForAllValues: true when the key is absent',
      statements: [
        write('*', {
          Condition: { 'ForAllValues:StringEquals': { 'aws:PrincipalAccount': [ACCOUNT] } },
        }),
      ],
      grants: [{ kind: 'anyone', value: '*', actions: ['s3:PutObject'] }],
    },
    {
      name: '{"AWS": "*"} confined by aws:PrincipalAccount (key spelled in capitals)',
      statements: [
        write({ AWS: '*' }, { Condition: { StringEquals: { 'AWS:PrincipalAccount': ACCOUNT } } }),
      ],
      grants: [],
    },
    {
      name: 'Principal "*" confined by aws:PrincipalArn to the account roles',
      statements: [
        write('*', {
          Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/*` } },
        }),
      ],
      grants: [],
    },
    {
      name: 'Principal "*" confined to an organization: still outside the account',
      statements: [
        write('*', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
      ],
      grants: [
        { kind: 'anyone', value: '*', actions: ['s3:PutObject'], organizations: ['o-a1b2c3d4e5'] },
      ],
    },
    {
      name: 'Principal "*" confined to an allowed organization',
      statements: [
        write('*', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
      ],
      allowed: ['o-a1b2c3d4e5'],
      grants: [],
    },
    {
      name: 'S3 server access logging service without a source condition (confused deputy)',
      statements: [write({ Service: 'logging.s3.amazonaws.com' })],
      grants: [{ kind: 'service', value: 'logging.s3.amazonaws.com', actions: ['s3:PutObject'] }],
    },
    {
      name: 'S3 server access logging service confined as AWS documents it',
      statements: [
        write(
          { Service: 'logging.s3.amazonaws.com' },
          {
            Condition: {
              ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::source-bucket' },
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
            },
          },
        ),
      ],
      grants: [],
    },
    {
      name: 'CloudTrail service confined by the trail ARN of the account',
      statements: [
        write(
          { Service: 'cloudtrail.amazonaws.com' },
          {
            Condition: {
              StringEquals: { 'aws:SourceArn': `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/x` },
            },
          },
        ),
      ],
      grants: [],
    },
    {
      name: 'an allowed service',
      statements: [write({ Service: 'logging.s3.amazonaws.com' })],
      allowed: ['logging.s3.amazonaws.com'],
      grants: [],
    },
    {
      name: 'Allow with NotPrincipal: everyone else, anonymous included',
      statements: [
        {
          Effect: 'Allow',
          NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 's3:*',
          Resource: [BUCKET_ARN, OBJECTS_ARN],
        },
      ],
      grants: [{ kind: 'anyone', value: 'NotPrincipal', actions: ALL_WRITES }],
    },
    {
      name: 'Allow with NotPrincipal confined to an allowed organization',
      statements: [
        {
          Effect: 'Allow',
          NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 's3:PutObject',
          Resource: OBJECTS_ARN,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
        },
      ],
      allowed: ['o-a1b2c3d4e5'],
      grants: [],
    },
    {
      name: 'NotAction: everything but GetObject, on objects',
      statements: [
        { Effect: 'Allow', Principal: '*', NotAction: 's3:GetObject', Resource: OBJECTS_ARN },
      ],
      grants: [{ kind: 'anyone', value: '*', actions: OBJECT_WRITES }],
    },
    {
      name: 'NotAction covering every write',
      statements: [{ Effect: 'Allow', Principal: '*', NotAction: 's3:*', Resource: OBJECTS_ARN }],
      grants: [],
    },
    {
      name: 's3:Put* on the bucket and its objects',
      statements: [
        {
          Effect: 'Allow',
          Principal: { AWS: OTHER_ACCOUNT },
          Action: 's3:Put*',
          Resource: [BUCKET_ARN, OBJECTS_ARN],
        },
      ],
      grants: [
        {
          kind: 'account',
          value: OTHER_ACCOUNT,
          actions: ALL_WRITES.filter((a) => a.startsWith('s3:Put')),
        },
      ],
    },
    {
      name: '"*" actions on "*" resources, action names in odd case',
      statements: [
        { Effect: 'Allow', Principal: { AWS: OTHER_ACCOUNT }, Action: '*', Resource: '*' },
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:user/ci` },
          Action: 'S3:putobject',
          Resource: OBJECTS_ARN,
        },
      ],
      grants: [
        { kind: 'account', value: OTHER_ACCOUNT, actions: ALL_WRITES },
        {
          kind: 'account',
          value: `arn:aws:iam::${OTHER_ACCOUNT}:user/ci`,
          actions: ['s3:PutObject'],
        },
      ],
    },
    {
      name: 'write under one prefix only: still a grant',
      statements: [
        {
          ...CROSS_ACCOUNT_WRITE,
          Resource: `${BUCKET_ARN}/incoming/*`,
          Action: 's3:PutObject',
        },
      ],
      grants: [
        { kind: 'account', value: `arn:aws:iam::${OTHER_ACCOUNT}:root`, actions: ['s3:PutObject'] },
      ],
    },
    {
      name: 'a resource pattern with ? and * that matches the bucket',
      statements: [{ ...CROSS_ACCOUNT_WRITE, Resource: 'arn:aws:s3:::fleet-tuf-rep?/*' }],
      grants: [
        {
          kind: 'account',
          value: `arn:aws:iam::${OTHER_ACCOUNT}:root`,
          actions: ['s3:PutObject', 's3:DeleteObject'],
        },
      ],
    },
    {
      name: 'another bucket only, and the bucket ARN for object actions',
      statements: [
        { ...CROSS_ACCOUNT_WRITE, Resource: 'arn:aws:s3:::another-bucket/*' },
        { ...CROSS_ACCOUNT_WRITE, Resource: BUCKET_ARN },
        { ...CROSS_ACCOUNT_WRITE, Resource: `${BUCKET_ARN}/` },
      ],
      grants: [],
    },
    {
      name: 'NotResource excluding every object',
      statements: [
        {
          Effect: 'Allow',
          Principal: { AWS: OTHER_ACCOUNT },
          Action: 's3:PutObject',
          NotResource: OBJECTS_ARN,
        },
      ],
      grants: [],
    },
    {
      name: 'NotResource excluding one prefix: the rest is granted',
      statements: [
        {
          Effect: 'Allow',
          Principal: { AWS: OTHER_ACCOUNT },
          Action: ['s3:PutObject', 's3:PutBucketPolicy'],
          NotResource: `${BUCKET_ARN}/stable/*`,
        },
      ],
      grants: [
        { kind: 'account', value: OTHER_ACCOUNT, actions: ['s3:PutObject', 's3:PutBucketPolicy'] },
      ],
    },
    {
      name: 'a Deny for every caller outside the account neutralizes a public write',
      statements: [
        write('*'),
        {
          Sid: 'DenyOutsideAccount',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [BUCKET_ARN, OBJECTS_ARN],
          Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } },
        },
      ],
      grants: [],
    },
    {
      name: 'an unconditional Deny of PutObject for everyone',
      statements: [
        write('*'),
        { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: OBJECTS_ARN },
      ],
      grants: [],
    },
    {
      name: 'a Deny on objects only leaves bucket writes granted',
      statements: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: ['s3:PutObject', 's3:PutBucketPolicy'],
          Resource: [BUCKET_ARN, OBJECTS_ARN],
        },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: OBJECTS_ARN,
          Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:*` } },
        },
      ],
      grants: [{ kind: 'anyone', value: '*', actions: ['s3:PutBucketPolicy'] }],
    },
    {
      name: 'a Deny with NotPrincipal listing only the account guards it',
      statements: [
        write('*'),
        {
          Effect: 'Deny',
          NotPrincipal: {
            AWS: [
              `arn:aws:iam::${ACCOUNT}:role/tuf-release`,
              `arn:aws:sts::${ACCOUNT}:assumed-role/tuf-release/s`,
            ],
          },
          Action: 's3:PutObject',
          Resource: OBJECTS_ARN,
        },
      ],
      grants: [],
    },
    {
      name: 'Denies that do not reach every outsider leave the grant',
      statements: [
        write('*'),
        // NotPrincipal naming another account: that account is not denied.
        {
          Effect: 'Deny',
          NotPrincipal: { AWS: OTHER_ACCOUNT },
          Action: 's3:*',
          Resource: OBJECTS_ARN,
        },
        // Only one account denied.
        {
          Effect: 'Deny',
          Principal: { AWS: OTHER_ACCOUNT },
          Action: 's3:*',
          Resource: OBJECTS_ARN,
        },
        // Narrowed by a second condition: only plain-HTTP requests are denied.
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: OBJECTS_ARN,
          Condition: {
            StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT },
            Bool: { 'aws:SecureTransport': 'false' },
          },
        },
        // A negated condition with a value outside the account.
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: OBJECTS_ARN,
          Condition: { StringNotEquals: { 'aws:PrincipalAccount': OTHER_ACCOUNT } },
        },
        // A set operator.
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: OBJECTS_ARN,
          Condition: { 'ForAnyValue:StringNotEquals': { 'aws:PrincipalAccount': ACCOUNT } },
        },
      ],
      grants: [{ kind: 'anyone', value: '*', actions: ['s3:PutObject'] }],
    },
    {
      name: 'canonical users: the owner is the account, another is not',
      statements: [
        write({ CanonicalUser: OWNER_CANONICAL_ID }),
        write({ CanonicalUser: 'b'.repeat(64) }),
      ],
      grants: [{ kind: 'canonical-user', value: 'b'.repeat(64), actions: ['s3:PutObject'] }],
    },
    {
      name: 'a canonical user when the owner id is unknown',
      statements: [write({ CanonicalUser: OWNER_CANONICAL_ID })],
      ref: { name: BUCKET, accountId: ACCOUNT },
      grants: [{ kind: 'canonical-user', value: OWNER_CANONICAL_ID, actions: ['s3:PutObject'] }],
    },
    {
      name: 'federated users and unknown principal types',
      statements: [write({ Federated: 'cognito-identity.amazonaws.com' }), write({ Future: 'x' })],
      grants: [
        { kind: 'federated', value: 'cognito-identity.amazonaws.com', actions: ['s3:PutObject'] },
        { kind: 'other', value: 'Future:x', actions: ['s3:PutObject'] },
      ],
    },
    {
      name: 'a deleted principal shown by its unique id: who it is cannot be shown',
      statements: [write({ AWS: 'AIDAJQABLZS4A3QDU576Q' })],
      grants: [{ kind: 'account', value: 'AIDAJQABLZS4A3QDU576Q', actions: ['s3:PutObject'] }],
    },
    {
      name: 'aws-cn partition',
      statements: [{ ...CROSS_ACCOUNT_WRITE, Resource: `arn:aws-cn:s3:::${BUCKET}/*` }],
      ref: { ...REF, partition: 'aws-cn' },
      grants: [
        {
          kind: 'account',
          value: `arn:aws:iam::${OTHER_ACCOUNT}:root`,
          actions: ['s3:PutObject', 's3:DeleteObject'],
        },
      ],
    },
  ];
  for (const c of cases)
    t.test(c.name, (t) => {
      const grants = grantsWriteOutsideAccount(policy(...c.statements), c.ref ?? REF, c.allowed);
      t.strictSame(
        grants.map((g) => ({
          kind: g.principal.kind,
          value: g.principal.value,
          actions: g.actions,
          ...(g.organizations !== undefined && { organizations: g.organizations }),
          ...(g.accounts !== undefined && { accounts: g.accounts }),
        })),
        c.grants,
      );
      t.end();
    });
  t.end();
});

t.test('a grant names its statement, Sid and the account of the principal', (t) => {
  const [grant] = grantsWriteOutsideAccount(policy(OAC_READ, CROSS_ACCOUNT_WRITE), REF);
  t.match(grant, {
    statement: 1,
    sid: 'PartnerPublishes',
    principal: { kind: 'account', account: OTHER_ACCOUNT },
  });
  const [noSid] = grantsWriteOutsideAccount(policy(write({ AWS: OTHER_ACCOUNT })), REF);
  t.notOk(noSid && 'sid' in noSid);
  t.end();
});

t.test('statements AWS would refuse grant nothing', (t) => {
  // The collector keeps what it parses; a statement without Action, Resource or Principal covers nothing.
  const statements: PolicyStatement[] = [
    { sid: null, effect: 'Allow', principal: '*', resource: [OBJECTS_ARN], condition: {} },
    { sid: null, effect: 'Allow', principal: '*', action: ['s3:*'], condition: {} },
    { sid: null, effect: 'Allow', action: ['s3:*'], resource: [OBJECTS_ARN], condition: {} },
    { sid: null, effect: 'Deny', action: ['s3:*'], resource: [OBJECTS_ARN], condition: {} },
  ];
  const p = toPolicy({ statements });
  t.strictSame(grantsWriteOutsideAccount(p, REF), []);
  t.strictSame(grantsPublicRead(p, REF), []);
  t.strictSame(deniesInsecureTransportForWrites(p, REF).statements, []);
  t.end();
});

t.test('grantsPublicRead: AWS meaning of public', (t) => {
  const read = (principal: unknown, extra: Record<string, unknown> = {}): unknown => ({
    Effect: 'Allow',
    Principal: principal,
    Action: 's3:GetObject',
    Resource: OBJECTS_ARN,
    ...extra,
  });
  const cases: { name: string; statements: unknown[]; public: string[][] }[] = [
    { name: 'Principal "*" GetObject', statements: [PUBLIC_READ], public: [['s3:GetObject']] },
    { name: 'CloudFront OAC', statements: [OAC_READ], public: [] },
    { name: 'legacy OAI', statements: [OAI_READ], public: [] },
    {
      name: 'NotPrincipal listing: everyone else',
      statements: [
        {
          Effect: 'Allow',
          NotPrincipal: { AWS: ACCOUNT },
          Action: ['s3:ListBucket', 's3:GetObjectVersion'],
          Resource: [BUCKET_ARN, OBJECTS_ARN],
        },
      ],
      public: [['s3:GetObjectVersion', 's3:ListBucket']],
    },
    {
      name: 'a VPC endpoint, an IP range, an organization, the account: fixed values',
      statements: [
        read('*', { Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } } }),
        read('*', { Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }),
        read('*', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
        read({ AWS: '*' }, { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }),
      ],
      public: [],
    },
    {
      name: 'the whole Internet, wildcard source ARNs, IfExists: not fixed',
      statements: [
        read('*', { Condition: { IpAddress: { 'aws:SourceIp': ['0.0.0.0/0'] } } }),
        read('*', { Condition: { IpAddress: { 'aws:SourceIp': '::/0' } } }),
        read('*', {
          Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudfront::*:distribution/*' } },
        }),
        read('*', { Condition: { StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } } }),
        read('*', { Condition: { 'ForAllValues:StringEquals': { 'aws:SourceVpce': 'vpce-1' } } }),
        read('*', { Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } } }),
        read('*', { Condition: { StringEquals: { 'aws:UserAgent': 'orbit' } } }),
      ],
      public: Array.from({ length: 7 }, () => ['s3:GetObject']),
    },
    {
      name: 'a Deny, a write-only Allow, a named principal',
      statements: [{ ...PUBLIC_READ, Effect: 'Deny' }, write('*'), read({ AWS: OTHER_ACCOUNT })],
      public: [],
    },
  ];
  for (const c of cases)
    t.test(c.name, (t) => {
      t.strictSame(
        grantsPublicRead(policy(...c.statements), REF).map((g) => g.actions),
        c.public,
      );
      t.end();
    });
  t.match(grantsPublicRead(policy(OAC_READ, PUBLIC_READ), REF), [
    { statement: 1, sid: 'PublicRead' },
  ]);
  t.notOk('sid' in (grantsPublicRead(policy(read('*')), REF)[0] ?? { sid: 1 }));
  t.end();
});

t.test('isCloudFrontOacRead', (t) => {
  const oac = (patch: Record<string, unknown>): unknown => ({ ...OAC_READ, ...patch });
  const cases: { name: string; statement: unknown; accountId?: string; expected: boolean }[] = [
    { name: 'the console statement', statement: OAC_READ, expected: true },
    { name: 'of the account', statement: OAC_READ, accountId: ACCOUNT, expected: true },
    {
      name: 'a distribution of another account',
      statement: OAC_READ,
      accountId: OTHER_ACCOUNT,
      expected: false,
    },
    {
      name: 'ArnLike, several distributions, GetObject and ListBucket',
      statement: oac({
        Action: ['s3:GetObject', 's3:ListBucket'],
        Condition: {
          ArnLike: {
            'AWS:SourceArn': [
              DISTRIBUTION_ARN,
              `arn:aws:cloudfront::${ACCOUNT}:distribution/EDFDVBD6EXAMPLE`,
            ],
          },
        },
      }),
      expected: true,
    },
    { name: 'without a condition', statement: oac({ Condition: undefined }), expected: false },
    {
      name: 'any distribution',
      statement: oac({
        Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:cloudfront::*:distribution/*' } },
      }),
      expected: false,
    },
    {
      name: 'IfExists',
      statement: oac({
        Condition: { StringEqualsIfExists: { 'AWS:SourceArn': DISTRIBUTION_ARN } },
      }),
      expected: false,
    },
    {
      name: 'ForAllValues',
      statement: oac({
        Condition: { 'ForAllValues:StringEquals': { 'AWS:SourceArn': DISTRIBUTION_ARN } },
      }),
      expected: false,
    },
    {
      name: 'a negated operator',
      statement: oac({ Condition: { StringNotEquals: { 'AWS:SourceArn': DISTRIBUTION_ARN } } }),
      expected: false,
    },
    { name: 'writes too', statement: oac({ Action: 's3:*' }), expected: false },
    {
      name: 'NotAction',
      statement: oac({ Action: undefined, NotAction: 's3:DeleteObject' }),
      expected: false,
    },
    {
      name: 'another service too',
      statement: oac({
        Principal: { Service: ['cloudfront.amazonaws.com', 'logging.s3.amazonaws.com'] },
      }),
      expected: false,
    },
    {
      name: 'an AWS principal too',
      statement: oac({ Principal: { Service: 'cloudfront.amazonaws.com', AWS: OTHER_ACCOUNT } }),
      expected: false,
    },
    { name: 'Principal "*"', statement: oac({ Principal: '*' }), expected: false },
    { name: 'a Deny', statement: oac({ Effect: 'Deny' }), expected: false },
    { name: 'a legacy OAI', statement: OAI_READ, expected: false },
    {
      name: 'NotPrincipal',
      statement: oac({
        Principal: undefined,
        NotPrincipal: { Service: 'cloudfront.amazonaws.com' },
      }),
      expected: false,
    },
  ];
  for (const c of cases) {
    const [stmt] = policy(c.statement).statements;
    t.equal(stmt !== undefined && isCloudFrontOacRead(stmt, c.accountId), c.expected, c.name);
  }
  t.end();
});

t.test('isCloudFrontOaiRead', (t) => {
  const cases: { name: string; statement: unknown; expected: boolean }[] = [
    { name: 'the legacy OAI statement', statement: OAI_READ, expected: true },
    { name: 'OAI with writes', statement: { ...OAI_READ, Action: 's3:*' }, expected: false },
    {
      name: 'OAI and an account',
      statement: { ...OAI_READ, Principal: { AWS: [OAI_ARN, OTHER_ACCOUNT] } },
      expected: false,
    },
    {
      name: 'OAI and a service',
      statement: { ...OAI_READ, Principal: { AWS: OAI_ARN, Service: 'cloudfront.amazonaws.com' } },
      expected: false,
    },
    { name: 'Principal "*"', statement: { ...OAI_READ, Principal: '*' }, expected: false },
    { name: 'a Deny', statement: { ...OAI_READ, Effect: 'Deny' }, expected: false },
    {
      name: 'NotPrincipal',
      statement: { ...OAI_READ, Principal: undefined, NotPrincipal: { AWS: OAI_ARN } },
      expected: false,
    },
    { name: 'OAC', statement: OAC_READ, expected: false },
  ];
  for (const c of cases) {
    const [stmt] = policy(c.statement).statements;
    t.equal(stmt !== undefined && isCloudFrontOaiRead(stmt), c.expected, c.name);
  }
  t.end();
});

t.test('deniesInsecureTransportForWrites', (t) => {
  const deny = (patch: Record<string, unknown>): unknown => ({
    ...DENY_INSECURE_TRANSPORT,
    ...patch,
  });
  const cases: {
    name: string;
    statements: unknown[];
    objectWrites: boolean;
    bucketWrites: boolean;
    notDenied: string[];
    statementIndexes: number[];
  }[] = [
    {
      name: 'the AWS-recommended statement',
      statements: [OAC_READ, DENY_INSECURE_TRANSPORT],
      objectWrites: true,
      bucketWrites: true,
      notDenied: [],
      statementIndexes: [1],
    },
    {
      name: 'objects only',
      statements: [deny({ Resource: OBJECTS_ARN })],
      objectWrites: true,
      bucketWrites: false,
      notDenied: BUCKET_WRITES,
      statementIndexes: [0],
    },
    {
      name: 'PutObject only',
      statements: [deny({ Action: 's3:PutObject' })],
      objectWrites: false,
      bucketWrites: false,
      notDenied: ALL_WRITES.filter((a) => a !== 's3:PutObject'),
      statementIndexes: [0],
    },
    {
      name: '{"AWS": "*"}, a JSON boolean, BoolIfExists, "*" resource',
      statements: [
        deny({
          Principal: { AWS: '*' },
          Resource: '*',
          Condition: { BoolIfExists: { 'aws:SecureTransport': false } },
        }),
      ],
      objectWrites: true,
      bucketWrites: true,
      notDenied: [],
      statementIndexes: [0],
    },
    {
      name: 'split across two statements',
      statements: [deny({ Resource: OBJECTS_ARN }), deny({ Resource: BUCKET_ARN, Sid: 'Bucket' })],
      objectWrites: true,
      bucketWrites: true,
      notDenied: [],
      statementIndexes: [0, 1],
    },
    {
      name: 'under one prefix only',
      statements: [deny({ Resource: `${BUCKET_ARN}/stable/*` })],
      objectWrites: false,
      bucketWrites: false,
      notDenied: ALL_WRITES,
      statementIndexes: [0],
    },
    {
      name: 'statements that do not count',
      statements: [
        deny({ Principal: { AWS: OTHER_ACCOUNT } }),
        deny({ Effect: 'Allow' }),
        deny({ Condition: { Bool: { 'aws:SecureTransport': 'true' } } }),
        deny({ Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } }),
        deny({
          Condition: {
            Bool: { 'aws:SecureTransport': 'false' },
            IpAddress: { 'aws:SourceIp': '203.0.113.0/24' },
          },
        }),
        deny({ Condition: { 'ForAnyValue:Bool': { 'aws:SecureTransport': 'false' } } }),
        deny({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }),
        deny({ Condition: undefined }),
        deny({ Condition: { Bool: { 'aws:SecureTransport': [] } } }),
      ],
      objectWrites: false,
      bucketWrites: false,
      notDenied: ALL_WRITES,
      statementIndexes: [],
    },
  ];
  for (const c of cases)
    t.test(c.name, (t) => {
      const denial = deniesInsecureTransportForWrites(policy(...c.statements), REF);
      t.equal(denial.objectWrites, c.objectWrites);
      t.equal(denial.bucketWrites, c.bucketWrites);
      t.strictSame(denial.notDenied, c.notDenied);
      t.strictSame(
        denial.statements.map((s) => s.statement),
        c.statementIndexes,
      );
      t.end();
    });
  t.match(deniesInsecureTransportForWrites(policy(DENY_INSECURE_TRANSPORT), REF).statements, [
    { statement: 0, sid: 'DenyInsecureTransport' },
  ]);
  t.notOk(
    'sid' in
      (deniesInsecureTransportForWrites(policy(deny({ Sid: undefined })), REF).statements[0] ?? {
        sid: 1,
      }),
  );
  t.end();
});

t.test('resourceCoverage and writeActionsOf', (t) => {
  const [objects, bucketOnly, prefix, notAll, everything] = policy(
    { ...CROSS_ACCOUNT_WRITE, Resource: OBJECTS_ARN },
    { ...CROSS_ACCOUNT_WRITE, Resource: BUCKET_ARN },
    { ...CROSS_ACCOUNT_WRITE, Resource: `${BUCKET_ARN}/a*` },
    { ...CROSS_ACCOUNT_WRITE, Resource: undefined, NotResource: `${BUCKET_ARN}/a*` },
    { ...CROSS_ACCOUNT_WRITE, Resource: 'arn:aws:s3:::*' },
  ).statements;
  if (!objects || !bucketOnly || !prefix || !notAll || !everything) throw new Error('statements');
  t.equal(resourceCoverage(objects, REF, 'object'), 'all');
  t.equal(resourceCoverage(objects, REF, 'bucket'), 'none');
  t.equal(resourceCoverage(bucketOnly, REF, 'bucket'), 'all');
  t.equal(resourceCoverage(prefix, REF, 'object'), 'some');
  t.equal(resourceCoverage(notAll, REF, 'object'), 'some');
  t.equal(resourceCoverage(notAll, REF, 'bucket'), 'all');
  t.equal(resourceCoverage(everything, REF, 'object'), 'all');
  t.equal(resourceCoverage(everything, REF, 'bucket'), 'all');
  t.strictSame(writeActionsOf(bucketOnly, REF), []);
  t.end();
});

t.test('globMatch, accountOf, partitionOf', (t) => {
  t.ok(globMatch('s3:Put*', 's3:PutObject'));
  t.notOk(globMatch('s3:Put*', 's3:putobject'));
  t.ok(globMatch('s3:Put*', 's3:putobject', true));
  t.ok(globMatch('s3:Get?bject', 's3:GetObject'));
  t.ok(globMatch('*', ''));
  t.notOk(globMatch('a', 'ab'));
  t.notOk(globMatch('ab', 'a'));
  t.ok(globMatch('**a', 'xa'));
  t.equal(accountOf(ACCOUNT), ACCOUNT);
  t.equal(accountOf(`arn:aws:sts::${ACCOUNT}:assumed-role/r/s`), ACCOUNT);
  t.equal(
    accountOf('arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1'),
    undefined,
  );
  t.equal(accountOf('arn:aws:s3:::bucket'), undefined);
  t.equal(accountOf('AIDAJQABLZS4A3QDU576Q'), undefined);
  t.equal(partitionOf('us-east-1'), 'aws');
  t.equal(partitionOf('cn-north-1'), 'aws-cn');
  t.equal(partitionOf('us-gov-west-1'), 'aws-us-gov');
  t.equal(partitionOf('us-iso-east-1'), 'aws-iso');
  t.equal(partitionOf('us-isob-east-1'), 'aws-iso-b');
  t.equal(partitionOf('eu-isoe-west-1'), 'aws-iso-e');
  t.equal(partitionOf('us-isof-south-1'), 'aws-iso-f');
  t.equal(partitionOf('eusc-de-east-1'), 'aws-eusc');
  t.end();
});

t.test('a write through CloudFront is a write by anyone, whatever its source condition', (t) => {
  const oacWrite = {
    ...OAC_READ,
    Sid: 'OacWrite',
    Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
  };
  t.match(grantsWriteOutsideAccount(policy(oacWrite), REF), [
    {
      statement: 0,
      sid: 'OacWrite',
      principal: { kind: 'service', value: 'cloudfront.amazonaws.com' },
      actions: ['s3:PutObject', 's3:DeleteObject'],
    },
  ]);
  const [grant] = grantsWriteOutsideAccount(policy(oacWrite), REF);
  t.notOk(grant !== undefined && 'accounts' in grant, 'not a confined, cross-account grant');
  // Without the source condition: one grant, not two.
  const { Condition: _, ...unconfined } = oacWrite;
  t.equal(grantsWriteOutsideAccount(policy(unconfined), REF).length, 1);
  // Allowed on purpose (config names the service): no grant.
  t.strictSame(grantsWriteOutsideAccount(policy(oacWrite), REF, ['cloudfront.amazonaws.com']), []);
  // The OAC read the console writes is no write.
  t.strictSame(grantsWriteOutsideAccount(policy(OAC_READ), REF), []);
  t.end();
});

t.test('replication and tagging actions are writes', (t) => {
  const replicator = {
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/replication` },
    Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
    Resource: OBJECTS_ARN,
  };
  t.match(grantsWriteOutsideAccount(policy(replicator), REF), [
    {
      principal: { kind: 'account', account: OTHER_ACCOUNT },
      actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
    },
  ]);
  const tagger = write('*', { Action: 's3:*ObjectTagging' });
  t.match(grantsWriteOutsideAccount(policy(tagger), REF), [
    { actions: ['s3:PutObjectTagging', 's3:DeleteObjectTagging'] },
  ]);
  t.end();
});

t.test('a String wildcard before the account field confines nothing; an Arn one does', (t) => {
  const logsWrite = (operator: string, sourceArn: string): unknown =>
    write(
      { Service: 'logs.us-east-1.amazonaws.com' },
      { Condition: { [operator]: { 'aws:SourceArn': sourceArn } } },
    );
  const anyServiceAnyRegion = `arn:aws:*:*:${ACCOUNT}:*`;
  // StringLike: `*` spans colons, so another account's log group named after ours matches.
  t.equal(
    grantsWriteOutsideAccount(policy(logsWrite('StringLike', anyServiceAnyRegion)), REF).length,
    1,
  );
  // ArnLike matches field by field: the account field is ours.
  t.strictSame(
    grantsWriteOutsideAccount(policy(logsWrite('ArnLike', anyServiceAnyRegion)), REF),
    [],
  );
  // No wildcard before the account: StringLike confines as well.
  t.strictSame(
    grantsWriteOutsideAccount(
      policy(logsWrite('StringLike', `arn:aws:logs:us-east-1:${ACCOUNT}:*`)),
      REF,
    ),
    [],
  );
  // The mirror case: a Deny on StringNotLike with such a pattern lets an outsider through.
  const denyOutsiders = (pattern: string): unknown => ({
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:PutObject',
    Resource: OBJECTS_ARN,
    Condition: { StringNotLike: { 'aws:PrincipalArn': pattern } },
  });
  const anyone = write('*');
  t.equal(
    grantsWriteOutsideAccount(policy(anyone, denyOutsiders(`arn:aws:iam:*:${ACCOUNT}:*`)), REF)
      .length,
    1,
  );
  t.strictSame(
    grantsWriteOutsideAccount(policy(anyone, denyOutsiders(`arn:aws:iam::${ACCOUNT}:*`)), REF),
    [],
  );
  t.end();
});
