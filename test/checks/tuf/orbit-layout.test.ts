import t from 'tap';
import { orbitLayoutCheck } from '../../../checks/tuf/orbit-layout.js';
import type { OrbitLayout, TufRepositorySnapshot } from '../../../checks/types.js';
import type { TargetFile } from '../../../tuf/metadata.js';
import type { RepoBuilder } from '../../support/builder.js';
import {
  broken,
  cleanRepo,
  collected,
  commonCases,
  evidenceOf,
  handReport,
  snapshot,
  verifyBuilt,
} from '../../support/checks.js';

const check = orbitLayoutCheck;

const LAYOUT: OrbitLayout = {
  components: {
    orbit: { macos: 'orbit', windows: 'orbit.exe' },
    desktop: { linux: 'desktop.tar.gz' },
    'extensions/hello_world': { macos: 'hello_world.ext' },
  },
  channels: ['stable', 'edge'],
};

/** As `fleetctl updates add --version V -t <channel>...` publishes: the version, its aliases, the channels. */
function release(
  b: RepoBuilder,
  target: string,
  version: string,
  channels: readonly string[] = [],
  content = `${target} ${version}`,
): RepoBuilder {
  const [component, platform, file] = target.split('|') as [string, string, string];
  const [major, minor] = version.split('.');
  for (const dir of [version, `${major}.${minor}`, `${major}`, ...channels])
    b.addTarget(`${component}/${platform}/${dir}/${file}`, content);
  return b;
}

/** A repository that follows LAYOUT; `changes` adds or overrides targets. */
function orbitRepo(changes: (b: RepoBuilder) => void = () => {}): RepoBuilder {
  const b = cleanRepo({ hashAlgorithms: ['sha512'] });
  release(b, 'orbit|macos|orbit', '1.37.0');
  release(b, 'orbit|macos|orbit', '1.38.0', ['stable']);
  release(b, 'orbit|macos|orbit', '1.39.0-rc.1', ['edge']);
  release(b, 'orbit|windows|orbit.exe', '1.38.0', ['stable', 'edge']);
  release(b, 'desktop|linux|desktop.tar.gz', '1.38.0', ['stable', 'edge']);
  release(b, 'extensions/hello_world|macos|hello_world.ext', '0.1.0', ['stable', 'edge']);
  changes(b);
  return b;
}

type Channels = Record<string, { status: string; version?: string; versions?: string[] }>;
const channelsOf = (outcome: ReturnType<typeof check.evaluate>): Channels =>
  (evidenceOf(outcome) as { channels: Channels }).channels;

async function evaluate(b: RepoBuilder, extra: Partial<TufRepositorySnapshot> = {}) {
  const report = await verifyBuilt(b);
  return check.evaluate(collected([snapshot(report, { orbit: LAYOUT, ...extra })]));
}

t.test(
  'every channel points at a versioned release: pass, with the version it matches',
  async (t) => {
    const outcome = await evaluate(orbitRepo());
    t.equal(outcome.status, 'pass');
    t.strictSame(channelsOf(outcome), {
      'orbit/macos/stable/orbit': { status: 'ok', version: '1.38.0', versions: ['1.38.0'] },
      'orbit/macos/edge/orbit': { status: 'ok', version: '1.39.0-rc.1', versions: ['1.39.0-rc.1'] },
      'orbit/windows/stable/orbit.exe': { status: 'ok', version: '1.38.0', versions: ['1.38.0'] },
      'orbit/windows/edge/orbit.exe': { status: 'ok', version: '1.38.0', versions: ['1.38.0'] },
      'desktop/linux/stable/desktop.tar.gz': {
        status: 'ok',
        version: '1.38.0',
        versions: ['1.38.0'],
      },
      'desktop/linux/edge/desktop.tar.gz': {
        status: 'ok',
        version: '1.38.0',
        versions: ['1.38.0'],
      },
      'extensions/hello_world/macos/stable/hello_world.ext': {
        status: 'ok',
        version: '0.1.0',
        versions: ['0.1.0'],
      },
      'extensions/hello_world/macos/edge/hello_world.ext': {
        status: 'ok',
        version: '0.1.0',
        versions: ['0.1.0'],
      },
    });
  },
);

t.test('the same bytes under several versions: the newest is named', async (t) => {
  const outcome = await evaluate(
    orbitRepo((b) => {
      release(b, 'orbit|windows|orbit.exe', '1.9.0', [], 'orbit|windows|orbit.exe 1.38.0');
      release(b, 'orbit|windows|orbit.exe', '1.10.0', [], 'orbit|windows|orbit.exe 1.38.0');
    }),
  );
  t.equal(outcome.status, 'pass');
  t.strictSame(channelsOf(outcome)['orbit/windows/stable/orbit.exe'], {
    status: 'ok',
    version: '1.38.0',
    versions: ['1.9.0', '1.10.0', '1.38.0'],
  });
});

t.test('a channel that is not published: fail', async (t) => {
  const b = cleanRepo({ hashAlgorithms: ['sha512'] });
  release(b, 'orbit|macos|orbit', '1.38.0', ['stable', 'edge']);
  release(b, 'orbit|windows|orbit.exe', '1.38.0', ['stable', 'edge']);
  // desktop was released to stable only: agents on edge get no desktop.
  release(b, 'desktop|linux|desktop.tar.gz', '1.38.0', ['stable']);
  release(b, 'extensions/hello_world|macos|hello_world.ext', '0.1.0', ['stable', 'edge']);
  const outcome = await evaluate(b);
  t.equal(outcome.status, 'fail');
  t.strictSame(channelsOf(outcome)['desktop/linux/edge/desktop.tar.gz'], { status: 'missing' });
  t.equal(channelsOf(outcome)['desktop/linux/stable/desktop.tar.gz']?.status, 'ok');
});

t.test('a configured channel that the repository never used: fail', async (t) => {
  const layout = { ...LAYOUT, channels: ['stable', 'edge', 'beta'] };
  const report = await verifyBuilt(orbitRepo());
  const outcome = check.evaluate(collected([snapshot(report, { orbit: layout })]));
  t.equal(outcome.status, 'fail');
  t.strictSame(channelsOf(outcome)['orbit/macos/beta/orbit'], { status: 'missing' });
});

t.test('stable pushed with bytes no version has: fail', async (t) => {
  const outcome = await evaluate(
    orbitRepo((b) => b.addTarget('orbit/macos/stable/orbit', 'orbit built on a laptop')),
  );
  t.equal(outcome.status, 'fail');
  t.strictSame(channelsOf(outcome)['orbit/macos/stable/orbit'], {
    status: 'unreleased',
    versions: [],
  });
  t.equal(channelsOf(outcome)['orbit/macos/edge/orbit']?.status, 'ok');
});

t.test('matching only a major.minor alias is not a versioned release: fail', async (t) => {
  const outcome = await evaluate(
    orbitRepo((b) => {
      b.addTarget('orbit/macos/1.40/orbit', 'orbit 1.40 dev');
      b.addTarget('orbit/macos/stable/orbit', 'orbit 1.40 dev');
    }),
  );
  t.equal(outcome.status, 'fail');
  t.equal(channelsOf(outcome)['orbit/macos/stable/orbit']?.status, 'unreleased');
});

t.test('bytes are compared by length and every common hash', (t) => {
  const sha512 = 'ab'.repeat(64);
  const cases: { name: string; release: TargetFile; status: string }[] = [
    { name: 'same', release: { length: 5, hashes: { sha512 } }, status: 'ok' },
    {
      name: 'same, with an extra hash',
      release: { length: 5, hashes: { sha512, sha256: 'cd'.repeat(32) } },
      status: 'ok',
    },
    { name: 'other length', release: { length: 6, hashes: { sha512 } }, status: 'unreleased' },
    {
      name: 'no hash in common',
      release: { length: 5, hashes: { sha256: 'cd'.repeat(32) } },
      status: 'unreleased',
    },
    {
      name: 'other hash',
      release: { length: 5, hashes: { sha512: 'ef'.repeat(64) } },
      status: 'unreleased',
    },
  ];
  const layout: OrbitLayout = { components: { orbit: { linux: 'orbit' } }, channels: ['stable'] };
  for (const c of cases) {
    const targets = {
      'orbit/linux/stable/orbit': { length: 5, hashes: { sha512 } },
      'orbit/linux/2.0.0/orbit': c.release,
    };
    const outcome = check.evaluate(collected([snapshot(handReport(), { orbit: layout, targets })]));
    t.equal(channelsOf(outcome)['orbit/linux/stable/orbit']?.status, c.status, c.name);
  }
  t.end();
});

t.test('targets are read from the report when the snapshot has none', async (t) => {
  const report = await verifyBuilt(orbitRepo());
  const outcome = check.evaluate(
    collected([{ ...broken(), error: undefined, report, orbit: LAYOUT }]),
  );
  t.equal(outcome.status, 'pass');
});

t.test('no targets collected at all: error', (t) => {
  const outcome = check.evaluate(collected([snapshot(handReport(), { orbit: LAYOUT })]));
  t.equal(outcome.status, 'error');
  t.end();
});

t.test('no Orbit layout configured: not_applicable', async (t) => {
  const report = await verifyBuilt(orbitRepo());
  const layouts: (OrbitLayout | undefined)[] = [
    undefined,
    { components: LAYOUT.components, channels: [] },
    { components: {}, channels: ['stable'] },
  ];
  for (const orbit of layouts) {
    const repo = snapshot(report, orbit === undefined ? {} : { orbit });
    const outcome = check.evaluate(collected([repo]));
    t.equal(outcome.status, 'not_applicable');
    t.match(evidenceOf(outcome), { status: 'not_applicable', reason: String });
  }
  t.equal(check.evaluate(collected([broken()])).status, 'not_applicable', 'even when broken');
});

const validTargets: Record<string, TargetFile> = {
  'orbit/linux/1.38.0/orbit': { length: 5, hashes: { sha512: 'ab'.repeat(64) } },
  'orbit/linux/stable/orbit': { length: 5, hashes: { sha512: 'ab'.repeat(64) } },
};
t.test('channels read from targets metadata that did not check out: error, not pass', async (t) => {
  // Someone without the targets key re-points a channel in an unsigned targets.json.
  const report = await verifyBuilt(orbitRepo().editSignatures('targets', () => []));
  t.ok(report.untrustedRoles?.includes('targets'));
  const outcome = check.evaluate(collected([snapshot(report, { orbit: LAYOUT })]));
  t.equal(outcome.status, 'error');
  t.match(evidenceOf(outcome), { notEvaluated: { untrustedContent: ['targets'] } });
});

commonCases(t, check, {
  orbit: { components: { orbit: { linux: 'orbit' } }, channels: ['stable'] },
  targets: validTargets,
});
