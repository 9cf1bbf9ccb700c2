import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { ApiError } from './errors.js';

/**
 * An integer parameter as a person writes it: decimal digits, no sign on
 * zero, no leading zeros, at most 16 digits. Ajv's coercion reads a string as
 * `+text`, so `Infinity`, `1e999`, `0x10`, ` 1` and `1e1` became numbers, and
 * an infinite one slipped past `maximum` (Infinity passed `maximum: 100`) and
 * reached the store, which threw: a 500 where a 400 was due.
 */
const DECIMAL_INTEGER = /^(?:0|-?[1-9][0-9]{0,15})$/;

type Where = 'querystring' | 'params';
type PropertySchema = { type?: unknown };
type ObjectSchema = { properties?: Record<string, PropertySchema> };
type RouteSchema = Partial<Record<Where, ObjectSchema>>;

/** Where a route's schema declares integer parameters, by name. */
function integerParameters(schema: RouteSchema | undefined): [Where, string][] {
  const out: [Where, string][] = [];
  for (const where of ['querystring', 'params'] as const) {
    for (const [name, property] of Object.entries(schema?.[where]?.properties ?? {})) {
      const types = [property.type].flat();
      if (types.includes('integer') || types.includes('number')) out.push([where, name]);
    }
  }
  return out;
}

/** A preValidation hook that refuses an integer parameter not written as a decimal integer. */
function decimalIntegers(
  parameters: readonly [Where, string][],
): (request: FastifyRequest) => Promise<void> {
  // eslint-disable-next-line @typescript-eslint/require-await -- fastify hooks are async or take a callback
  return async (request) => {
    for (const [where, name] of parameters) {
      const values = (where === 'querystring' ? request.query : request.params) as Record<
        string,
        unknown
      >;
      const value = Object.hasOwn(values, name) ? values[name] : undefined;
      if (value === undefined) continue;
      // A repeated query key arrives as an array: one value is expected.
      if (
        typeof value !== 'string' ||
        !DECIMAL_INTEGER.test(value) ||
        !Number.isSafeInteger(Number(value))
      ) {
        throw new ApiError('BAD_REQUEST', `${where}/${name} must be a decimal integer`);
      }
    }
  };
}

/** The querystring schema of an API route that takes no query parameters: none. */
const NO_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const;

/**
 * Parameters are checked against the schema before anything reads them:
 * - integer parameters must be written as decimal integers (then Ajv checks their range);
 * - an API route without a query schema takes no query parameters, so an
 *   unknown key is refused rather than ignored (with Ajv's `removeAdditional`
 *   off, `additionalProperties: false` refuses instead of dropping).
 * Pages keep accepting any query (a cache-busting `?v=2` is harmless there).
 * Must be installed before the routes.
 */
export function strictParameters(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as RouteSchema | undefined;
    if (route.url.startsWith('/api/') && schema?.querystring === undefined) {
      route.schema = { ...route.schema, querystring: NO_QUERY };
    }
    const parameters = integerParameters(schema);
    if (parameters.length === 0) return;
    // Before the route's own preValidation hooks (one, several or none).
    route.preValidation = [decimalIntegers(parameters), route.preValidation]
      .flat()
      .filter((hook) => hook !== undefined);
  });
}
