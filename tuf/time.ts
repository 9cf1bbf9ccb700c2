/**
 * RFC 3339 date-times as TUF `expires` fields carry them. Offsets and fractions
 * are accepted because Fleet's root v5 expires `2034-10-05T15:57:51-05:00`
 * (python-tuf refuses it; go-tuf, Fleet's library, accepts it).
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zulu, sign, oh, om] = m as unknown as string[];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  // A leap second (60) is valid RFC 3339; Date folds it into the next minute.
  const second = Number(s);
  const daysInMonth = utc(year, month, 0).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (zulu === undefined) {
    const offH = Number(oh);
    const offM = Number(om);
    if (offH > 23 || offM > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (offH * 60 + offM);
  }
  const millis = frac === undefined ? 0 : Math.floor(Number(`0${frac}`) * 1000);
  const at = utc(year, month - 1, day, hour, minute, second, millis);
  at.setTime(at.getTime() - offsetMinutes * 60_000);
  // An offset can carry 9999-12-31 into year 10000, which RFC 3339 cannot write: refuse it.
  const utcYear = at.getUTCFullYear();
  return utcYear < 0 || utcYear > 9999 ? undefined : at;
}

/** Date.UTC, without its mapping of years 0-99 to 1900-1999. */
function utc(year: number, monthIndex: number, day: number, ...time: number[]): Date {
  const at = new Date(0);
  at.setUTCFullYear(year, monthIndex, day);
  const [hour = 0, minute = 0, second = 0, millis = 0] = time;
  at.setUTCHours(hour, minute, second, millis);
  return at;
}
