import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadConfig } from '../../server/config.js';

/**
 * No Docker engine runs here, so the image cannot be built in CI: this test
 * reads the Dockerfile as Docker does (continuations, comments, stages) and
 * holds it to what the service needs, with the baked config loaded by the
 * real config loader.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions in order: `\` continuations joined, comment lines dropped (also inside continuations). */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    const trimmed = line.trimStart();
    if (trimmed.startsWith('#') || (buffer === '' && trimmed === '')) return;
    if (buffer === '') start = i + 1;
    if (line.endsWith('\\')) {
      buffer += `${line.slice(0, -1)} `;
      return;
    }
    buffer += line;
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(buffer);
    if (match === null) throw new Error(`line ${start}: not an instruction: ${buffer}`);
    instructions.push({
      keyword: (match[1] as string).toUpperCase(),
      args: (match[2] as string).replace(/\s+/g, ' ').trim(),
      line: start,
    });
    buffer = '';
  });
  if (buffer !== '') throw new Error('the Dockerfile ends inside a continuation');
  return instructions;
}

interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

function stages(instructions: Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(' ');
      out.push({
        image: image as string,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
    } else {
      const stage = out.at(-1);
      if (stage === undefined) throw new Error(`line ${instruction.line}: before any FROM`);
      stage.instructions.push(instruction);
    }
  }
  return out;
}

/** The exec (JSON) form of CMD, ENTRYPOINT and HEALTHCHECK CMD. */
function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a): a is string => typeof a === 'string'))
    throw new Error(`not an exec form: ${args}`);
  return parsed;
}

const all = parseDockerfile(DOCKERFILE);
const [build, runtime, ...extra] = stages(all);
const only = (stage: Stage | undefined, keyword: string): Instruction[] =>
  stage?.instructions.filter((i) => i.keyword === keyword) ?? [];
const one = (stage: Stage | undefined, keyword: string): Instruction => {
  const found = only(stage, keyword);
  if (found.length !== 1) throw new Error(`expected one ${keyword}, found ${found.length}`);
  return found[0] as Instruction;
};

t.test('two stages, both on Node 22 LTS (bookworm-slim), never `latest`', (t) => {
  t.equal(extra.length, 0);
  t.equal(build?.name, 'build');
  t.equal(runtime?.name, 'runtime');
  for (const stage of [build, runtime]) {
    t.match(stage?.image, /^node:22-bookworm-slim$/, `${stage?.name} image`);
  }
  const images = all.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(' ')[0]);
  for (const image of images) {
    t.notMatch(image, /(^[^:@]+$)|:latest\b/, `${image} names a tag other than latest`);
  }
  t.notMatch(DOCKERFILE, /\blatest\b/i, 'no `latest` anywhere');
  t.end();
});

t.test('the build stage compiles better-sqlite3 and the TypeScript, then drops dev deps', (t) => {
  const runs = only(build, 'RUN').map((i) => i.args);
  const text = runs.join('\n');
  for (const tool of ['python3', 'make', 'g++', 'tini'])
    t.match(text, new RegExp(`apt-get install [^\\n]*\\s${tool.replace('+', '\\+')}(\\s|$)`), tool);
  t.match(text, /rm -rf \/var\/lib\/apt\/lists/);
  const order = ['npm ci', 'npm rebuild better-sqlite3', 'npm run build', 'npm prune --omit=dev'];
  const positions = order.map((step) => text.indexOf(step));
  t.notOk(positions.includes(-1), `every step is there: ${order.join(', ')}`);
  t.same(
    [...positions].sort((a, b) => a - b),
    positions,
    'in that order',
  );
  const env = only(build, 'ENV')
    .map((i) => i.args)
    .join(' ');
  t.match(env, /npm_config_nodedir=\/usr\/local/, 'headers of the image, not a download');
  t.match(env, /npm_config_build_from_source=true/, 'no prebuilt binary');
  const copies = only(build, 'COPY').map((i) => i.args);
  t.same(
    copies,
    ['package.json package-lock.json ./', '. .'],
    'lockfile first, for the layer cache',
  );
  t.end();
});

t.test('the runtime stage holds only dist, data, node_modules and package.json', (t) => {
  const copies = only(runtime, 'COPY').map((i) => i.args);
  for (const copy of copies) t.match(copy, /^--from=build /, copy);
  const sources = copies.map((c) => c.split(' ')[1]);
  t.same(sources.sort(), [
    '/app/data',
    '/app/dist',
    '/app/node_modules',
    '/app/package.json',
    '/usr/bin/tini-static',
  ]);
  t.notOk(
    only(runtime, 'RUN').some((i) => i.args.includes('apt-get')),
    'no package manager run',
  );
  t.match(one(runtime, 'WORKDIR').args, '/app');
  t.end();
});

t.test('it runs as a non-root user with a fixed uid', (t) => {
  const user = one(runtime, 'USER').args;
  t.match(user, /^10001(:10001)?$/);
  const run = only(runtime, 'RUN')
    .map((i) => i.args)
    .join(' ');
  t.match(run, /useradd [^&]*--uid 10001/);
  t.match(run, /chown 10001:10001 \/data/);
  // Instructions after USER run as that user; the chown of the volume comes before VOLUME.
  const lines = (k: string) => all.filter((i) => i.keyword === k).map((i) => i.line);
  t.ok(Math.max(...lines('RUN')) < (lines('VOLUME')[0] as number), 'chown before VOLUME');
  t.ok((lines('USER')[0] as number) > Math.max(...lines('RUN')), 'USER after the last RUN');
  t.end();
});

t.test('the baked config: listens on every interface, keeps evidence on the volume', async (t) => {
  const run = only(runtime, 'RUN')
    .map((i) => i.args)
    .join(' ');
  const printf = /printf '%s\\n' ((?:'[^']*' ?)+)> (\S+)/.exec(run);
  if (printf === null) throw new Error('no printf of the config');
  const json = [...(printf[1] as string).matchAll(/'([^']*)'/g)].map((m) => m[1]).join('\n');
  const configPath = printf[2] as string;
  t.equal(configPath, '/etc/tufwatch/config.json');

  const file = path.join(t.testdir(), 'config.json');
  writeFileSync(file, json);
  const config = await loadConfig(file, {});
  t.equal(config.server.host, '0.0.0.0');
  const volume = execForm(one(runtime, 'VOLUME').args);
  t.same(volume, ['/data']);
  t.match(config.storage.path, /^\/data\//, 'storage on the volume');
  // Creation markers outside the data volume, writable by the service (issue: an unmounted volume).
  const env = only(runtime, 'ENV').map((i) => i.args);
  t.ok(env.includes('XDG_STATE_HOME=/var/lib/tufwatch'), 'markers in /var/lib/tufwatch');
  t.match(
    only(runtime, 'RUN').map((i) => i.args),
    [/chown 10001:10001 \/data \/var\/lib\/tufwatch/],
  );
  t.equal(config.repositories[0]?.name, 'fleet', "defaults to Fleet's repository");

  const expose = one(runtime, 'EXPOSE').args;
  t.equal(expose, String(config.server.port), 'EXPOSE is the port the config listens on');
  const defaults = await loadConfig(undefined, {});
  t.equal(expose, String(defaults.server.port), "and tufwatch's default port");

  const cmd = execForm(one(runtime, 'CMD').args);
  t.same(cmd, ['node', 'dist/scripts/tufwatch.js', 'serve', '--config', configPath]);
  t.same(execForm(one(runtime, 'ENTRYPOINT').args), ['/usr/bin/tini', '--'], 'tini is PID 1');

  const healthcheck = one(runtime, 'HEALTHCHECK').args;
  t.match(healthcheck, /--interval=\d+s/);
  t.match(healthcheck, /--timeout=\d+s/);
  const probe = execForm(healthcheck.slice(healthcheck.indexOf(' CMD ') + ' CMD '.length));
  t.equal(probe[0], 'node', 'node, not curl (the slim image has none)');
  t.match(probe.join(' '), `fetch('http://127.0.0.1:${expose}/healthz')`);
  t.notMatch(DOCKERFILE, /\b(curl|wget)\b/);
});

t.test('.dockerignore keeps the build inputs and drops the rest', (t) => {
  const rules = DOCKERIGNORE.split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const rule of ['node_modules', 'dist', '.git', 'test/**', '!test/support/builder.ts'])
    t.ok(rules.includes(rule), rule);
  const ignored = (entry: string): boolean => {
    let out = false;
    for (const rule of rules) {
      const negated = rule.startsWith('!');
      const pattern = negated ? rule.slice(1) : rule;
      const matches =
        pattern === entry || (pattern.endsWith('/**') && entry.startsWith(pattern.slice(0, -2)));
      if (matches) out = !negated;
    }
    return out;
  };
  const tsconfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
    include: string[];
  };
  for (const entry of [...tsconfig.include, 'package.json', 'package-lock.json', 'data'])
    t.notOk(ignored(entry), `${entry} is in the build context`);
  t.ok(ignored('test/tuf/keys.test.ts'), 'tests are not');
  t.end();
});
