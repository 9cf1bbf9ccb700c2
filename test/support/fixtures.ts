import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Real metadata by other TUF implementations, copied into the repository (see its PROVENANCE.md). */
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

/**
 * Copies a fixture directory into a fresh temp dir that tests may change.
 * go-tuf's testdata uses symlinks between steps; the stored fixtures hold them
 * as small files whose content is the link's relative target. Those are
 * replaced by the file they point to, so the copy reads as go-tuf wrote it.
 */
export function materialize(...parts: string[]): string {
  const source = fixture(...parts);
  const dest = mkdtempSync(join(tmpdir(), 'tufwatch-fixture-'));
  cpSync(source, dest, { recursive: true });
  resolveLinks(source, dest, dest);
  return dest;
}

const LINK = /^(?:\.\.\/)+[\w.\-/]+$/;

function resolveLinks(sourceRoot: string, destRoot: string, dir: string): void {
  // Fixtures may be checked out read-only, and cpSync keeps modes.
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      resolveLinks(sourceRoot, destRoot, path);
      continue;
    }
    chmodSync(path, 0o644);
    // Resolve against the original tree: links may point outside the copied folder, and to other links.
    let original = join(sourceRoot, relative(destRoot, path));
    let bytes = readFileSync(original);
    while (statSync(original).size <= 512 && LINK.test(bytes.toString('utf8'))) {
      original = resolve(dirname(original), bytes.toString('utf8'));
      bytes = readFileSync(original);
    }
    writeFileSync(path, bytes);
  }
}
