import t from 'tap';

import { parseRfc3339 } from '../../tuf/time.js';

const valid: { text: string; iso: string; why: string }[] = [
  { text: '2030-01-02T03:04:05Z', iso: '2030-01-02T03:04:05.000Z', why: 'Z' },
  { text: '2030-01-02t03:04:05z', iso: '2030-01-02T03:04:05.000Z', why: 'lowercase t and z' },
  {
    text: '2034-10-05T15:57:51-05:00',
    iso: '2034-10-05T20:57:51.000Z',
    why: "Fleet root v5's negative offset",
  },
  { text: '2030-01-02T03:04:05+05:30', iso: '2030-01-01T21:34:05.000Z', why: 'positive offset' },
  { text: '2030-01-02T03:04:05+00:00', iso: '2030-01-02T03:04:05.000Z', why: '+00:00' },
  { text: '2030-01-02T03:04:05-00:00', iso: '2030-01-02T03:04:05.000Z', why: '-00:00' },
  { text: '2030-01-02T03:04:05+23:59', iso: '2030-01-01T03:05:05.000Z', why: 'largest offset' },
  { text: '2030-01-02T03:04:05.5Z', iso: '2030-01-02T03:04:05.500Z', why: 'one fraction digit' },
  { text: '2030-01-02T03:04:05.123Z', iso: '2030-01-02T03:04:05.123Z', why: 'milliseconds' },
  {
    text: '2030-01-02T03:04:05.123999999Z',
    iso: '2030-01-02T03:04:05.123Z',
    why: 'nine digits truncate',
  },
  {
    text: '2030-01-02T03:04:05.029-01:00',
    iso: '2030-01-02T04:04:05.029Z',
    why: 'fraction and offset',
  },
  {
    text: '2030-12-31T23:59:60Z',
    iso: '2031-01-01T00:00:00.000Z',
    why: 'leap second folds into the next minute',
  },
  { text: '2024-02-29T00:00:00Z', iso: '2024-02-29T00:00:00.000Z', why: 'Feb 29 in a leap year' },
  { text: '2000-02-29T00:00:00Z', iso: '2000-02-29T00:00:00.000Z', why: 'Feb 29 in 2000' },
  { text: '2030-12-31T23:59:59Z', iso: '2030-12-31T23:59:59.000Z', why: 'last second of year' },
  { text: '2030-04-30T00:00:00Z', iso: '2030-04-30T00:00:00.000Z', why: '30-day month' },
  { text: '2030-01-31T00:00:00Z', iso: '2030-01-31T00:00:00.000Z', why: '31-day month' },
  // Date.UTC would read years 0-99 as 1900-1999.
  { text: '0050-06-01T00:00:00Z', iso: '0050-06-01T00:00:00.000Z', why: 'a two-digit year stays' },
  { text: '0000-02-29T00:00:00Z', iso: '0000-02-29T00:00:00.000Z', why: 'year 0 is a leap year' },
  { text: '9999-12-31T23:59:59Z', iso: '9999-12-31T23:59:59.000Z', why: 'the last instant' },
];

for (const c of valid) {
  t.test(`valid: ${c.why}`, (t) => {
    const date = parseRfc3339(c.text);
    t.ok(date instanceof Date);
    t.equal(date?.toISOString(), c.iso);
    t.end();
  });
}

const invalid: { text: string; why: string }[] = [
  { text: '', why: 'empty' },
  { text: 'garbage', why: 'garbage' },
  { text: '2030-01-02T03:04:05', why: 'no zone' },
  { text: '2030-01-02 03:04:05Z', why: 'space separator' },
  { text: '2030-01-02T03:04Z', why: 'no seconds' },
  { text: '2030-1-02T03:04:05Z', why: 'one-digit month' },
  { text: '30-01-02T03:04:05Z', why: 'two-digit year' },
  { text: '2030-01-02T03:04:05.Z', why: 'empty fraction' },
  { text: '2030-01-02T03:04:05.1234567890Z', why: 'ten fraction digits' },
  { text: '2030-01-02T03:04:05+0500', why: 'offset without colon' },
  { text: '2030-01-02T03:04:05+05', why: 'offset without minutes' },
  { text: '2030-01-02T03:04:05Z ', why: 'trailing space' },
  { text: ' 2030-01-02T03:04:05Z', why: 'leading space' },
  { text: '2030-01-02T03:04:05ZZ', why: 'two zones' },
  { text: '2030-00-10T00:00:00Z', why: 'month 0' },
  { text: '2030-13-10T00:00:00Z', why: 'month 13' },
  { text: '2030-01-00T00:00:00Z', why: 'day 0' },
  { text: '2030-01-32T00:00:00Z', why: 'Jan 32' },
  { text: '2030-04-31T00:00:00Z', why: 'Apr 31' },
  { text: '2023-02-29T00:00:00Z', why: 'Feb 29 in a non-leap year' },
  { text: '2100-02-29T00:00:00Z', why: 'Feb 29 in 2100 (not leap)' },
  { text: '2024-02-30T00:00:00Z', why: 'Feb 30 in a leap year' },
  { text: '2030-01-02T24:00:00Z', why: 'hour 24' },
  { text: '2030-01-02T23:60:00Z', why: 'minute 60' },
  { text: '2030-01-02T23:59:61Z', why: 'second 61' },
  { text: '2030-01-02T03:04:05+24:00', why: 'offset hour 24' },
  { text: '2030-01-02T03:04:05-05:60', why: 'offset minute 60' },
  { text: '２０３０-01-02T03:04:05Z', why: 'non-ASCII digits' },
  { text: '1900-02-29T00:00:00Z', why: 'Feb 29 in 1900 (not leap)' },
  { text: '0001-02-29T00:00:00Z', why: 'Feb 29 in year 1' },
  { text: '9999-12-31T23:59:59-00:01', why: 'an offset that carries into year 10000' },
  { text: '0000-01-01T00:00:00+00:01', why: 'an offset that carries into year -1' },
];

for (const c of invalid) {
  t.test(`invalid: ${c.why}`, (t) => {
    t.equal(parseRfc3339(c.text), undefined);
    t.end();
  });
}
