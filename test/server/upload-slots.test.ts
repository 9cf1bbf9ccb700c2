import t from 'tap';
import { DEFAULT_UPLOAD_LIMITS, UploadSlots } from '../../server/upload-slots.js';

/** What acquire threw. */
function refusal(slots: UploadSlots, token: string): unknown {
  try {
    slots.acquire(token);
  } catch (err) {
    return err;
  }
  return undefined;
}

t.test('slots per token and in total, each given back once', (t) => {
  const slots = new UploadSlots({ maxInFlight: 3, maxPerToken: 2 });
  const a1 = slots.acquire('a');
  const a2 = slots.acquire('a');
  t.match(refusal(slots, 'a'), { code: 'TOO_MANY_UPLOADS', statusCode: 429 });
  const b1 = slots.acquire('b');
  t.match(refusal(slots, 'c'), { code: 'UPLOADS_BUSY', statusCode: 503 });
  t.equal(slots.inFlight(), 3);
  t.equal(slots.inFlight('a'), 2);
  a1();
  a1();
  t.equal(slots.inFlight(), 2, 'a second release gives nothing back');
  t.equal(slots.inFlight('a'), 1);
  a2();
  b1();
  t.equal(slots.inFlight(), 0);
  t.equal(slots.inFlight('a'), 0);
  t.equal(slots.inFlight('b'), 0);
  slots.acquire('c');
  t.equal(slots.inFlight('c'), 1);
  t.end();
});

t.test('defaults: 4 uploads in progress, 2 per token', (t) => {
  t.strictSame({ ...DEFAULT_UPLOAD_LIMITS }, { maxInFlight: 4, maxPerToken: 2 });
  t.end();
});
