import path from 'node:path';
import type { MetadataSource } from '../tuf/source.js';
import { DirectorySource } from './directory.js';
import { HttpSource, type HttpSourceOptions } from './http.js';

export { DirectorySource } from './directory.js';
export { HttpSource, type HttpSourceOptions } from './http.js';

// Any scheme, so that `s3://bucket` or `file:///x` is refused by HttpSource
// rather than read as a directory named `s3:` that does not exist.
const URL_LIKE = /^[a-z][a-z\d+.-]*:\/\//i;

/** An HttpSource for a URL, a DirectorySource (absolute path) for anything else. */
export function openSource(location: string, options?: HttpSourceOptions): MetadataSource {
  return URL_LIKE.test(location)
    ? new HttpSource(location, options)
    : new DirectorySource(location);
}

/** Appends a '/'-separated sub path to a URL or a directory, e.g. the default `<repo>/targets`. */
export function joinLocation(base: string, sub: string): string {
  return URL_LIKE.test(base) ? `${base.replace(/\/+$/, '')}/${sub}` : path.join(base, sub);
}
