import t from 'tap';
import type {
  AdvancedEventSelector,
  BasicEventSelector,
  FieldSelector,
} from '../../../checks/aws/types.js';
import {
  fieldMatches,
  managementEvents,
  objectArnPrefix,
  REQUIRED_WRITE_EVENTS,
  s3WriteDataEvents,
} from '../../../checks/cloudtrail/selectors.js';
import { BUCKET, BUCKET_ARN, RECOMMENDED_SELECTORS } from '../../support/aws/snapshots.js';

const basic = (overrides: Partial<BasicEventSelector> = {}): BasicEventSelector => ({
  readWriteType: 'All',
  includeManagementEvents: true,
  dataResources: [],
  excludeManagementEventSources: [],
  ...overrides,
});
const s3Objects = (...values: string[]): BasicEventSelector['dataResources'] => [
  { type: 'AWS::S3::Object', values },
];
const data = (...fields: FieldSelector[]): AdvancedEventSelector => ({
  name: null,
  fieldSelectors: [
    { field: 'eventCategory', equals: ['Data'] },
    { field: 'resources.type', equals: ['AWS::S3::Object'] },
    ...fields,
  ],
});
const arn = (op: Omit<FieldSelector, 'field'>): FieldSelector => ({
  field: 'resources.ARN',
  ...op,
});
const OBJECTS = `${BUCKET_ARN}/`;

t.test('basic selectors: write data events on the bucket objects', (t) => {
  const cases: {
    name: string;
    selectors: BasicEventSelector[];
    covered: string;
    matched: string[];
  }[] = [
    {
      name: 'the bucket with an empty prefix',
      selectors: [basic({ dataResources: s3Objects(OBJECTS) })],
      covered: 'all',
      matched: ['EventSelectors[0]'],
    },
    {
      name: 'every bucket: arn:aws:s3',
      selectors: [basic({ dataResources: s3Objects('arn:aws:s3') })],
      covered: 'all',
      matched: ['EventSelectors[0]'],
    },
    {
      name: 'every bucket: arn:aws:s3:::',
      selectors: [basic({ dataResources: s3Objects('arn:aws:s3:::') })],
      covered: 'all',
      matched: ['EventSelectors[0]'],
    },
    {
      name: 'WriteOnly',
      selectors: [basic({ readWriteType: 'WriteOnly', dataResources: s3Objects(OBJECTS) })],
      covered: 'all',
      matched: ['EventSelectors[0]'],
    },
    {
      name: 'ReadOnly records no write',
      selectors: [basic({ readWriteType: 'ReadOnly', dataResources: s3Objects(OBJECTS) })],
      covered: 'none',
      matched: [],
    },
    {
      name: 'a prefix covers only part',
      selectors: [basic({ dataResources: s3Objects(`${OBJECTS}stable/`) })],
      covered: 'partial',
      matched: [],
    },
    {
      name: 'another bucket, and a bucket whose name starts like this one',
      selectors: [
        basic({
          dataResources: s3Objects('arn:aws:s3:::other-bucket/', `${BUCKET_ARN}-staging/`),
        }),
      ],
      covered: 'none',
      matched: [],
    },
    {
      name: 'Lambda data events only, and management only',
      selectors: [
        basic({ dataResources: [{ type: 'AWS::Lambda::Function', values: ['arn:aws:lambda'] }] }),
        basic(),
      ],
      covered: 'none',
      matched: [],
    },
    {
      name: 'selectors are OR-ed: a partial one and a full one',
      selectors: [
        basic({ dataResources: s3Objects(`${OBJECTS}stable/`) }),
        basic({ readWriteType: 'WriteOnly', dataResources: s3Objects(OBJECTS) }),
      ],
      covered: 'all',
      matched: ['EventSelectors[1]'],
    },
  ];
  for (const c of cases)
    t.test(c.name, (t) => {
      const result = s3WriteDataEvents({ kind: 'basic', selectors: c.selectors }, BUCKET);
      t.equal(result.covered, c.covered);
      t.strictSame(result.matched, c.matched);
      t.end();
    });
  const partial = s3WriteDataEvents(
    { kind: 'basic', selectors: [basic({ dataResources: s3Objects(`${OBJECTS}stable/`) })] },
    BUCKET,
  );
  t.strictSame(partial.selectors, [
    {
      selector: 'EventSelectors[0]',
      covered: 'partial',
      limits: [`DataResources AWS::S3::Object ${OBJECTS}stable/`],
    },
  ]);
  const readOnly = s3WriteDataEvents(
    {
      kind: 'basic',
      selectors: [basic({ readWriteType: 'ReadOnly', dataResources: s3Objects(OBJECTS) })],
    },
    BUCKET,
  );
  t.strictSame(readOnly.selectors[0]?.limits, ['ReadWriteType ReadOnly']);
  t.end();
});

t.test('advanced selectors: write data events on the bucket objects', (t) => {
  const cases: {
    name: string;
    selectors: AdvancedEventSelector[];
    covered: string;
    limits?: string[];
  }[] = [
    { name: 'the recommended selectors', selectors: RECOMMENDED_SELECTORS, covered: 'all' },
    { name: 'every S3 object, reads and writes', selectors: [data()], covered: 'all' },
    {
      name: 'readOnly false',
      selectors: [data({ field: 'readOnly', equals: ['false'] })],
      covered: 'all',
    },
    {
      name: 'readOnly true',
      selectors: [data({ field: 'readOnly', equals: ['true'] })],
      covered: 'none',
      limits: ['readOnly Equals true'],
    },
    {
      name: 'StartsWith the bucket',
      selectors: [data(arn({ startsWith: [OBJECTS] }))],
      covered: 'all',
    },
    {
      name: 'StartsWith every bucket',
      selectors: [data(arn({ startsWith: ['arn:aws:s3:::'] }))],
      covered: 'all',
    },
    {
      name: 'StartsWith a narrower prefix',
      selectors: [data(arn({ startsWith: [`${OBJECTS}stable/`] }))],
      covered: 'partial',
      limits: [`resources.ARN StartsWith ${OBJECTS}stable/`],
    },
    {
      name: 'StartsWith another bucket',
      selectors: [data(arn({ startsWith: ['arn:aws:s3:::other/'] }))],
      covered: 'none',
    },
    {
      name: 'Equals one object',
      selectors: [data(arn({ equals: [`${OBJECTS}timestamp.json`] }))],
      covered: 'partial',
    },
    {
      name: 'Equals the bucket prefix itself: no object has an empty key',
      selectors: [data(arn({ equals: [OBJECTS] }))],
      covered: 'none',
    },
    {
      name: 'EndsWith .json: only metadata',
      selectors: [data(arn({ endsWith: ['.json'] }))],
      covered: 'partial',
    },
    {
      name: 'NotStartsWith this bucket removes it',
      selectors: [data(arn({ notStartsWith: [OBJECTS] }))],
      covered: 'none',
      limits: [`resources.ARN NotStartsWith ${OBJECTS}`],
    },
    {
      name: 'NotStartsWith a prefix of this bucket removes part',
      selectors: [data(arn({ notStartsWith: [`${OBJECTS}tmp/`] }))],
      covered: 'partial',
    },
    {
      name: 'NotStartsWith another bucket keeps this one',
      selectors: [data(arn({ notStartsWith: ['arn:aws:s3:::other/'] }))],
      covered: 'all',
    },
    {
      name: 'StartsWith every bucket AND NotStartsWith this one',
      selectors: [data(arn({ startsWith: ['arn:aws:s3:::'], notStartsWith: [OBJECTS] }))],
      covered: 'none',
    },
    {
      name: 'NotEquals one object, NotEquals another bucket',
      selectors: [
        data(arn({ notEquals: [`${OBJECTS}tmp.json`] })),
        data(arn({ notEquals: ['arn:aws:s3:::other/x'] })),
      ],
      covered: 'all',
    },
    {
      name: 'NotEquals one object only',
      selectors: [data(arn({ notEquals: [`${OBJECTS}tmp.json`] }))],
      covered: 'partial',
    },
    {
      name: 'NotEndsWith',
      selectors: [data(arn({ notEndsWith: ['.tmp'] }))],
      covered: 'partial',
    },
    {
      name: 'field selectors are AND-ed: right bucket, wrong type',
      selectors: [
        {
          name: 'Lambda',
          fieldSelectors: [
            { field: 'eventCategory', equals: ['Data'] },
            { field: 'resources.type', equals: ['AWS::Lambda::Function'] },
            arn({ startsWith: [OBJECTS] }),
          ],
        },
      ],
      covered: 'none',
    },
    {
      name: 'no resources.type',
      selectors: [{ name: null, fieldSelectors: [{ field: 'eventCategory', equals: ['Data'] }] }],
      covered: 'none',
      limits: ['no resources.type'],
    },
    {
      name: 'eventName keeping every write event',
      selectors: [data({ field: 'eventName', equals: [...REQUIRED_WRITE_EVENTS, 'PutObjectAcl'] })],
      covered: 'all',
    },
    {
      name: 'eventName PutObject only',
      selectors: [data({ field: 'eventName', equals: ['PutObject'] })],
      covered: 'partial',
      limits: ['eventName Equals PutObject'],
    },
    {
      name: 'eventName excluding deletions',
      selectors: [data({ field: 'eventName', notEquals: ['DeleteObject', 'DeleteObjects'] })],
      covered: 'partial',
    },
    {
      name: 'eventName GetObject only',
      selectors: [data({ field: 'eventName', equals: ['GetObject'] })],
      covered: 'none',
    },
    {
      name: 'eventSource s3',
      selectors: [data({ field: 'eventSource', equals: ['s3.amazonaws.com'] })],
      covered: 'all',
    },
    {
      name: 'eventSource excluding s3',
      selectors: [data({ field: 'eventSource', notEquals: ['s3.amazonaws.com'] })],
      covered: 'none',
    },
    {
      name: 'a filter on who: userIdentity.arn',
      selectors: [
        data({
          field: 'userIdentity.arn',
          notStartsWith: ['arn:aws:sts::111122223333:assumed-role/ci/'],
        }),
      ],
      covered: 'partial',
    },
    {
      name: 'selectors are OR-ed: management, a partial one, then a full one',
      selectors: [
        {
          name: 'Management',
          fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }],
        },
        data(arn({ startsWith: [`${OBJECTS}stable/`] })),
        data(arn({ startsWith: [OBJECTS] })),
      ],
      covered: 'all',
    },
  ];
  for (const c of cases)
    t.test(c.name, (t) => {
      const result = s3WriteDataEvents({ kind: 'advanced', selectors: c.selectors }, BUCKET);
      t.equal(result.covered, c.covered);
      if (c.limits !== undefined) t.strictSame(result.selectors[0]?.limits, c.limits);
      if (c.covered === 'all') t.ok(result.matched.length > 0);
      t.end();
    });
  const named = s3WriteDataEvents({ kind: 'advanced', selectors: RECOMMENDED_SELECTORS }, BUCKET);
  t.strictSame(named, {
    covered: 'all',
    matched: ['AdvancedEventSelectors[1]'],
    selectors: [
      {
        selector: 'AdvancedEventSelectors[1]',
        name: 'Update bucket writes',
        covered: 'all',
        limits: [],
      },
    ],
  });
  t.end();
});

t.test('no selectors: nothing recorded', (t) => {
  t.strictSame(s3WriteDataEvents({ kind: 'none' }, BUCKET), {
    covered: 'none',
    matched: [],
    selectors: [],
  });
  t.strictSame(managementEvents({ kind: 'none' }), {
    read: false,
    write: false,
    matched: [],
    limits: {},
    excludedSources: [],
  });
  t.end();
});

t.test('the partition is part of the ARN', (t) => {
  t.equal(objectArnPrefix(BUCKET, 'aws-cn'), `arn:aws-cn:s3:::${BUCKET}/`);
  t.equal(objectArnPrefix(BUCKET), `${BUCKET_ARN}/`);
  const cn = s3WriteDataEvents(
    { kind: 'basic', selectors: [basic({ dataResources: s3Objects('arn:aws-cn:s3') })] },
    BUCKET,
    'aws-cn',
  );
  t.equal(cn.covered, 'all');
  t.end();
});

t.test('management events', (t) => {
  const cases: {
    name: string;
    selectors: Parameters<typeof managementEvents>[0];
    read: boolean;
    write: boolean;
    matched: string[];
  }[] = [
    {
      name: 'basic, All (the default of a new trail)',
      selectors: { kind: 'basic', selectors: [basic()] },
      read: true,
      write: true,
      matched: ['EventSelectors[0]'],
    },
    {
      name: 'basic, WriteOnly',
      selectors: { kind: 'basic', selectors: [basic({ readWriteType: 'WriteOnly' })] },
      read: false,
      write: true,
      matched: ['EventSelectors[0]'],
    },
    {
      name: 'basic, ReadOnly and WriteOnly in two selectors',
      selectors: {
        kind: 'basic',
        selectors: [basic({ readWriteType: 'ReadOnly' }), basic({ readWriteType: 'WriteOnly' })],
      },
      read: true,
      write: true,
      matched: ['EventSelectors[0]', 'EventSelectors[1]'],
    },
    {
      name: 'basic, data events only',
      selectors: {
        kind: 'basic',
        selectors: [basic({ includeManagementEvents: false, dataResources: s3Objects(OBJECTS) })],
      },
      read: false,
      write: false,
      matched: [],
    },
    {
      name: 'basic, KMS events excluded: S3 and CloudTrail still recorded',
      selectors: {
        kind: 'basic',
        selectors: [basic({ excludeManagementEventSources: ['kms.amazonaws.com'] })],
      },
      read: true,
      write: true,
      matched: ['EventSelectors[0]'],
    },
    {
      name: 'basic, CloudTrail events excluded (a source AWS may allow one day)',
      selectors: {
        kind: 'basic',
        selectors: [basic({ excludeManagementEventSources: ['cloudtrail.amazonaws.com'] })],
      },
      read: false,
      write: false,
      matched: [],
    },
    {
      name: 'advanced, Management',
      selectors: { kind: 'advanced', selectors: RECOMMENDED_SELECTORS },
      read: true,
      write: true,
      matched: ['AdvancedEventSelectors[0]'],
    },
    {
      name: 'advanced, readOnly true',
      selectors: {
        kind: 'advanced',
        selectors: [
          {
            name: null,
            fieldSelectors: [
              { field: 'eventCategory', equals: ['Management'] },
              { field: 'readOnly', equals: ['true'] },
            ],
          },
        ],
      },
      read: true,
      write: false,
      matched: ['AdvancedEventSelectors[0]'],
    },
    {
      name: 'advanced, readOnly false and NotEquals kms',
      selectors: {
        kind: 'advanced',
        selectors: [
          {
            name: null,
            fieldSelectors: [
              { field: 'eventCategory', equals: ['Management'] },
              { field: 'readOnly', equals: ['false'] },
              { field: 'eventSource', notEquals: ['kms.amazonaws.com'] },
            ],
          },
        ],
      },
      read: false,
      write: true,
      matched: ['AdvancedEventSelectors[0]'],
    },
    {
      name: 'advanced, eventSource without CloudTrail',
      selectors: {
        kind: 'advanced',
        selectors: [
          {
            name: null,
            fieldSelectors: [
              { field: 'eventCategory', equals: ['Management'] },
              { field: 'eventSource', equals: ['s3.amazonaws.com'] },
            ],
          },
        ],
      },
      read: false,
      write: false,
      matched: [],
    },
    {
      name: 'advanced, another filter',
      selectors: {
        kind: 'advanced',
        selectors: [
          {
            name: null,
            fieldSelectors: [
              { field: 'eventCategory', equals: ['Management'] },
              { field: 'userIdentity.arn', notStartsWith: ['arn:aws:sts::1:assumed-role/x/'] },
            ],
          },
        ],
      },
      read: false,
      write: false,
      matched: [],
    },
    {
      name: 'advanced, data only',
      selectors: { kind: 'advanced', selectors: [data()] },
      read: false,
      write: false,
      matched: [],
    },
  ];
  for (const c of cases)
    t.test(c.name, (t) => {
      const result = managementEvents(c.selectors);
      t.equal(result.read, c.read);
      t.equal(result.write, c.write);
      t.strictSame(result.matched, c.matched);
      t.end();
    });
  t.strictSame(
    managementEvents({
      kind: 'basic',
      selectors: [
        basic({ excludeManagementEventSources: ['kms.amazonaws.com', 'cloudtrail.amazonaws.com'] }),
      ],
    }),
    {
      read: false,
      write: false,
      matched: [],
      limits: { 'EventSelectors[0]': ['ExcludeManagementEventSources cloudtrail.amazonaws.com'] },
      excludedSources: ['kms.amazonaws.com', 'cloudtrail.amazonaws.com'],
    },
  );
  t.end();
});

t.test('fieldMatches: including values OR-ed, excluding values win', (t) => {
  const fs: FieldSelector = {
    field: 'eventName',
    equals: ['PutObject'],
    startsWith: ['Delete'],
    notEndsWith: ['Objects'],
  };
  t.ok(fieldMatches(fs, 'PutObject'));
  t.ok(fieldMatches(fs, 'DeleteObject'));
  t.notOk(fieldMatches(fs, 'DeleteObjects'));
  t.notOk(fieldMatches(fs, 'GetObject'));
  t.ok(fieldMatches({ field: 'eventName' }, 'anything'));
  t.ok(fieldMatches({ field: 'eventName', endsWith: ['Object'] }, 'PutObject'));
  t.notOk(fieldMatches({ field: 'eventName', endsWith: ['Object'] }, 'PutObjectAcl'));
  t.end();
});
