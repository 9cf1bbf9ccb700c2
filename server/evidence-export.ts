import { createHash } from 'node:crypto';
import type { CheckDefinition } from '../checks/types.js';
import {
  EVIDENCE_FORMAT_VERSION,
  canonicalJson,
  sha256Hex,
  recordTime,
  type ChainAnchor,
  type SealedRecord,
  type Signature,
  type SigningKey,
  type SigningKeyInfo,
} from './evidence.js';
import { DailyStatusBuilder, SummaryBuilder, type EvidenceSummary } from './evidence-summary.js';
import type { SigningKeyFile } from './evidence-keys.js';
import type {
  ControlDefinition,
  EvidenceChain,
  EvidenceService,
  PublicKeyInfo,
  SystemDescription,
} from './types.js';

/*
 * The evidence bundle (README, "Evidence bundle"): one JSON document for a
 * period, self-contained and signed. It is written in a fixed line layout so
 * that neither the exporter nor `tufwatch evidence verify` ever holds more
 * than one record's text, whatever the period:
 *
 *   {"format":"tufwatch-evidence-bundle","v":1,...header fields...,
 *   "records":[
 *   <record, RFC 8785 canonical JSON>,
 *   <record>
 *   ],
 *   "summary":{...},
 *   "manifest":{...},
 *   "signature":{...}}
 *
 * The manifest comes last because it covers the records (their digest, counts,
 * first and last), which are known only once they have been read.
 */

export const BUNDLE_FORMAT = 'tufwatch-evidence-bundle';
export const RECORDS_OPEN = '"records":[';
export const RECORDS_CLOSE = '],';
/** Records read from the store per query. */
const PAGE = 2000;
/** Chunks handed to the writer (file or HTTP response) are about this many characters. */
const CHUNK_CHARS = 256 * 1024;

/** What a check of the registry is, for the auditor: no evaluation code. */
export interface CheckInfo {
  id: string;
  title: string;
  component: string;
  severity: string;
  criteria: string[];
}

/** Everything in a bundle but its records, summary, manifest and signature. */
export interface BundleHeader {
  format: typeof BUNDLE_FORMAT;
  v: 1;
  generatedAt: string;
  /** The requested period, [from, to). */
  period: { from: string; to: string };
  anchor: ChainAnchor;
  /** The key that signed this bundle (SPKI PEM). */
  publicKey: string;
  /** Every key of the instance's history: checkpoints may be signed by an earlier one. */
  keys: SigningKeyInfo[];
  system: SystemDescription;
  controls: ControlDefinition[];
  checks: CheckInfo[];
}

export interface BundleManifest {
  v: 1;
  format: typeof BUNDLE_FORMAT;
  generatedAt: string;
  period: { from: string; to: string };
  anchor: { kind: ChainAnchor['kind']; seq: number; hash: string };
  first: { seq: number; hash: string; at: string } | null;
  last: { seq: number; hash: string; at: string } | null;
  counts: { records: number; checkResults: number; signingKeys: number; runs: number };
  /** sha256 hex of the RFC 8785 form of each part (`records`: the whole list, with hashes). */
  digests: {
    records: string;
    summary: string;
    anchor: string;
    system: string;
    controls: string;
    checks: string;
    keys: string;
  };
  key: { algorithm: 'ed25519'; fingerprint: string };
  generator: { name: 'tufwatch'; version: string };
}

/** A whole bundle, as JSON.parse reads it. */
export interface Bundle extends BundleHeader {
  records: SealedRecord[];
  summary: EvidenceSummary;
  manifest: BundleManifest;
  signature: Signature;
}

export interface EvidenceServiceDeps {
  store: EvidenceChain;
  keys: Pick<SigningKeyFile, 'current'>;
  system: SystemDescription;
  controls: readonly ControlDefinition[];
  checks: readonly CheckDefinition[];
  version: string;
  now: () => Date;
}

export const digestOf = (value: unknown): string => sha256Hex(canonicalJson(value));

export function checkInfo(check: CheckDefinition): CheckInfo {
  return {
    id: check.id,
    title: check.title,
    component: check.component,
    severity: check.severity,
    criteria: [...check.criteria],
  };
}

export function createEvidenceService(deps: EvidenceServiceDeps): EvidenceService {
  const { store, now } = deps;
  /** The key that signs now, recorded in the chain first (a no-op when it already is). */
  const activeKey = (): SigningKey => {
    const { key, created } = deps.keys.current();
    store.registerSigningKey(key, now(), created ? 'created' : 'adopted');
    return key;
  };
  return {
    publicKey(): PublicKeyInfo {
      const key = activeKey();
      return {
        algorithm: 'ed25519',
        fingerprint: key.fingerprint,
        publicKey: key.publicKey,
        keys: store.signingKeys(),
      };
    },

    exportBundle(from: Date, to: Date): Iterable<string> {
      const key = activeKey();
      const range = store.evidenceRange(from, to);
      const header: BundleHeader = {
        format: BUNDLE_FORMAT,
        v: EVIDENCE_FORMAT_VERSION,
        generatedAt: now().toISOString(),
        period: { from: from.toISOString(), to: to.toISOString() },
        anchor: range.anchor,
        publicKey: key.publicKey,
        keys: store.signingKeys(),
        system: deps.system,
        controls: [...deps.controls],
        checks: deps.checks.map(checkInfo),
      };
      return bundleText(header, readRecords(store, range.first, range.last), key, deps.version);
    },

    exportCsv(from: Date, to: Date): string {
      const range = store.evidenceRange(from, to);
      const daily = new DailyStatusBuilder(deps.controls, from, to);
      for (let seq = range.first; seq <= range.last;) {
        const page = store.checkStatuses(seq, range.last, PAGE);
        for (const record of page) daily.add(record);
        // A page without check results: only key records were left in the range.
        seq = page.length < PAGE ? range.last + 1 : (page.at(-1) as { seq: number }).seq + 1;
      }
      return daily.finish();
    },
  };
}

export class ExportError extends Error {
  override readonly name = 'ExportError';
  readonly code = 'CHAIN_GAP';
}

/** The records first..last, page by page; a hole in the range (pruned meanwhile) is an error. */
function* readRecords(store: EvidenceChain, first: number, last: number): Generator<SealedRecord> {
  let expected = first;
  while (expected <= last) {
    const page = store.evidenceRecords(expected, last, PAGE);
    if (page.length === 0) throw missing(expected);
    for (const record of page) {
      if (record.seq !== expected) throw missing(expected);
      yield record;
      expected += 1;
    }
  }
}

const missing = (seq: number): ExportError =>
  new ExportError(`record ${seq} is missing from the store: was it pruned during the export?`);

/**
 * The bundle's text in chunks, in the line layout above: header, records as
 * they are read, then the summary, the manifest and its signature.
 */
export function* bundleText(
  header: BundleHeader,
  records: Iterable<SealedRecord>,
  key: SigningKey,
  version: string,
): Generator<string> {
  const headerJson = JSON.stringify(header);
  let chunk = `${headerJson.slice(0, -1)},\n${RECORDS_OPEN}\n`;
  const digest = createHash('sha256').update('[');
  const summary = new SummaryBuilder(header.controls);
  const counts = { records: 0, checkResults: 0, signingKeys: 0, runs: 0 };
  let first: BundleManifest['first'] = null;
  let last: BundleManifest['last'] = null;
  for (const record of records) {
    const text = canonicalJson(record);
    const separator = counts.records === 0 ? '' : ',';
    digest.update(separator + text);
    chunk += `${separator === '' ? '' : ',\n'}${text}`;
    counts.records += 1;
    last = { seq: record.seq, hash: record.hash, at: recordTime(record) };
    first ??= last;
    if (record.kind === 'check') {
      counts.checkResults += 1;
      summary.add(record);
    } else {
      counts.signingKeys += 1;
    }
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  digest.update(']');
  const finished = summary.finish();
  counts.runs = finished.runs;
  const manifest: BundleManifest = {
    v: EVIDENCE_FORMAT_VERSION,
    format: BUNDLE_FORMAT,
    generatedAt: header.generatedAt,
    period: header.period,
    anchor: { kind: header.anchor.kind, seq: header.anchor.seq, hash: header.anchor.hash },
    first,
    last,
    counts,
    digests: {
      records: digest.digest('hex'),
      summary: digestOf(finished),
      anchor: digestOf(header.anchor),
      system: digestOf(header.system),
      controls: digestOf(header.controls),
      checks: digestOf(header.checks),
      keys: digestOf(header.keys),
    },
    key: { algorithm: 'ed25519', fingerprint: key.fingerprint },
    generator: { name: 'tufwatch', version },
  };
  const signature: Signature = {
    algorithm: 'ed25519',
    keyFingerprint: key.fingerprint,
    value: key.sign(canonicalJson(manifest)),
  };
  yield (
    `${chunk}${counts.records === 0 ? '' : '\n'}${RECORDS_CLOSE}\n` +
    `"summary":${JSON.stringify(finished)},\n` +
    `"manifest":${JSON.stringify(manifest)},\n` +
    `"signature":${JSON.stringify(signature)}}\n`
  );
}
