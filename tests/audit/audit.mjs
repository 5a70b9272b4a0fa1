// Runs graphql-http's server audit (GraphQL over HTTP) against a running gateway.
// Usage: AUDIT_URL=http://127.0.0.1:PORT/graphql AUDIT_API_KEY=am_live_... node audit.mjs
// Prints one JSON object: the counts per status and every result that is not "ok".
import { auditServer } from 'graphql-http';

const url = process.env.AUDIT_URL;
const key = process.env.AUDIT_API_KEY;
if (!url || !key) {
  console.error('AUDIT_URL and AUDIT_API_KEY are required');
  process.exit(2);
}

// The audit's requests carry the key, as any client's would.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const failures = [];
for (const result of results) {
  counts[result.status] += 1;
  if (result.status !== 'ok') {
    failures.push({
      id: result.id,
      name: result.name,
      status: result.status,
      reason: result.reason,
      httpStatus: result.response.status,
      contentType: result.response.headers.get('content-type'),
      body: await result.response.text(),
    });
  }
}
console.log(JSON.stringify({ total: results.length, counts, failures }, null, 2));
