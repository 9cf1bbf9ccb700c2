import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import t from 'tap';

import { CALL_PERMISSIONS } from '../../checks/aws/permissions.js';
import type { AwsCall } from '../../checks/aws/types.js';
import { collectScenario } from '../support/aws/harness.js';
import { hardenedScenario, organizationTrailScenario } from '../support/aws/scenarios.js';

const PATH = fileURLToPath(new URL('../../deploy/iam/tufwatch-readonly.json', import.meta.url));
const BUCKET_ARN = 'arn:aws:s3:::BUCKET';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  [other: string]: unknown;
}

const policy = JSON.parse(readFileSync(PATH, 'utf8')) as {
  Version: string;
  Statement: Statement[];
};
const list = (x: string | string[]) => (Array.isArray(x) ? x : [x]);

/** action -> the resources the policy grants it on. */
const granted = new Map<string, string[]>();
for (const st of policy.Statement) {
  for (const action of list(st.Action)) {
    granted.set(action, [...(granted.get(action) ?? []), ...list(st.Resource)]);
  }
}

t.test('the policy is a plain allow-only identity policy', (t) => {
  t.equal(policy.Version, '2012-10-17');
  for (const st of policy.Statement) {
    t.equal(st.Effect, 'Allow', `${st.Sid}: Allow`);
    t.same(
      Object.keys(st).sort(),
      ['Action', 'Effect', 'Resource', 'Sid'],
      `${st.Sid}: no NotAction, NotResource, Principal or Condition`,
    );
  }
  t.end();
});

t.test('every call tufwatch makes is granted, on its narrowest resource', (t) => {
  for (const [call, { action, resource }] of Object.entries(CALL_PERMISSIONS)) {
    const expected = resource === 'bucket' ? [BUCKET_ARN] : ['*'];
    t.same(granted.get(action), expected, `${call} needs ${action} on ${expected.join(', ')}`);
  }
  t.end();
});

t.test('the policy grants nothing beyond the calls, and no wildcard action', (t) => {
  const needed = new Set(Object.values(CALL_PERMISSIONS).map((p) => p.action));
  for (const action of granted.keys()) {
    t.ok(needed.has(action), `${action} is in the permission table`);
    t.match(action, /^(s3|cloudtrail):[A-Z][A-Za-z]+$/, `${action} is one exact action`);
  }
  const all = policy.Statement.flatMap((st) => list(st.Action));
  t.equal(all.length, new Set(all).size, 'no action is granted twice');
  t.end();
});

t.test('the collectors make only calls of the permission table', async (t) => {
  const seen = new Set<string>();
  for (const scenario of [hardenedScenario(), organizationTrailScenario()]) {
    const { emulator } = await collectScenario(t, scenario);
    for (const call of emulator.calls) seen.add(call);
  }
  t.same(
    [...seen].sort(),
    (Object.keys(CALL_PERMISSIONS) as AwsCall[]).sort(),
    'every table entry is used, every call made is in the table',
  );
});
