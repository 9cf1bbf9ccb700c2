declare module '@tufjs/canonical-json' {
  /** OLPC canonical JSON: sorted keys, only `"` and `\` escaped, non-integers rejected. */
  export function canonicalize(value: unknown): string;
}
