// One assertion the API tests share: an answer's status, and for a problem
// its stable code and the field it names.
import assert from 'node:assert/strict';

export function expect(r, status, code, field) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  if (code) assert.equal(r.body.code, code, JSON.stringify(r.body));
  if (field) assert.equal(r.body.field, field, JSON.stringify(r.body));
}
