import t from 'tap';
import { ApiError } from '../../server/errors.js';
import { errorResponses, errorSchema, parseRange, recentRange } from '../../server/views.js';
import { at, DAY_MS, NOW } from '../support/fakes.js';

t.test('parseRange: defaults, dates, date-times with offsets', (t) => {
  t.strictSame(parseRange({}, NOW), { from: at(-30 * DAY_MS), to: NOW });
  t.strictSame(recentRange(NOW), { from: at(-30 * DAY_MS), to: NOW });
  t.strictSame(parseRange({ from: '2031-01-01' }, NOW), {
    from: new Date('2031-01-01T00:00:00Z'),
    to: NOW,
  });
  t.strictSame(parseRange({ from: '2030-12-31T19:00:00-05:00', to: '2031-01-01T00:00:01Z' }, NOW), {
    from: new Date('2031-01-01T00:00:00Z'),
    to: new Date('2031-01-01T00:00:01Z'),
  });
  t.end();
});

t.test('parseRange refuses what is not a range', (t) => {
  const cases = [
    { from: '' },
    { from: '2031-1-1' },
    { to: '2031-02-29' },
    { from: '2031-01-01T00:00:00' },
    { from: '2031-01-01', to: '2031-01-01' },
    { from: '2031-01-02', to: '2031-01-01' },
    { from: '2030-01-01', to: '2031-02-06' },
    { to: '0000-01-01' },
    { from: '1969-12-31T23:59:59Z', to: '1970-01-02' },
  ];
  for (const query of cases) {
    t.throws(() => parseRange(query, NOW), ApiError, JSON.stringify(query));
    t.throws(() => parseRange(query, NOW), { code: 'BAD_REQUEST' });
  }
  // 400 days exactly is the longest range.
  t.doesNotThrow(() => parseRange({ from: '2030-01-01', to: '2031-02-05' }, NOW));
  t.throws(() => parseRange({ to: '0050-01-01' }, NOW), { message: 'to is before 1970' });
  t.end();
});

t.test('errorResponses groups codes by status', (t) => {
  t.strictSame(errorResponses('BAD_REQUEST', 'INVALID_JSON', 'NOT_READY', 'AUTH_NOT_CONFIGURED'), {
    400: { ...errorSchema, description: 'BAD_REQUEST, INVALID_JSON' },
    503: { ...errorSchema, description: 'NOT_READY, AUTH_NOT_CONFIGURED' },
  });
  t.end();
});
