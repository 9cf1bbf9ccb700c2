import path from 'node:path';
import t from 'tap';
import { DirectorySource, HttpSource, joinLocation, openSource } from '../../sources/index.js';

const opened = [
  { location: 'http://127.0.0.1:8080/repo', type: HttpSource, at: 'http://127.0.0.1:8080/repo/' },
  { location: 'HTTPS://tuf.example.org/', type: HttpSource, at: 'https://tuf.example.org/' },
  { location: '/srv/tuf/repo', type: DirectorySource, at: '/srv/tuf/repo' },
  { location: 'repo/metadata', type: DirectorySource, at: path.resolve('repo/metadata') },
  { location: 'c:repo', type: DirectorySource, at: path.resolve('c:repo') },
];
for (const { location, type, at } of opened) {
  void t.test(`openSource(${location})`, (t) => {
    const source = openSource(location, { timeoutMs: 1000 });
    t.type(source, type);
    t.equal(source.location, at);
    t.end();
  });
}

void t.test('openSource refuses URLs of other schemes instead of reading a directory', (t) => {
  for (const location of ['s3://bucket/repo', 'file:///srv/tuf/repo']) {
    t.throws(() => openSource(location), { code: 'FETCH_FAILED' }, location);
  }
  t.end();
});

const joined = [
  {
    base: 'https://tuf.example.org/repo',
    sub: 'targets',
    out: 'https://tuf.example.org/repo/targets',
  },
  {
    base: 'https://tuf.example.org/repo/',
    sub: 'targets',
    out: 'https://tuf.example.org/repo/targets',
  },
  { base: 'https://tuf.example.org', sub: 'targets', out: 'https://tuf.example.org/targets' },
  { base: '/srv/tuf/repo', sub: 'targets', out: '/srv/tuf/repo/targets' },
  { base: '/srv/tuf/repo/', sub: 'targets', out: '/srv/tuf/repo/targets' },
  { base: 'repo', sub: 'targets', out: path.join('repo', 'targets') },
];
for (const { base, sub, out } of joined) {
  void t.test(`joinLocation(${base}, ${sub})`, (t) => {
    t.equal(joinLocation(base, sub), out);
    t.end();
  });
}
