// A bounded HTTP load: CONCURRENCY keep-alive loops POSTing one body until REQUESTS are sent or
// DEADLINE_MS passes. Prints {"requests","failures","ms"}. Loopback targets only.
//   node --import tsx bench/http-load.ts URL BODY AUTHORIZATION REQUESTS DEADLINE_MS CONCURRENCY

import { Agent, request } from 'node:http';

const [url, body, authorization, requestsArg, deadlineArg, concurrencyArg] = process.argv.slice(2);
const target = new URL(url as string);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error('loopback targets only');
const total = Number(requestsArg);
const deadline = Date.now() + Number(deadlineArg);
const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrencyArg) });
const headers: Record<string, string> = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json',
  'content-length': String(Buffer.byteLength(body as string)),
};
if (authorization) headers.authorization = authorization;

let sent = 0;
let failures = 0;
function once(): Promise<void> {
  return new Promise((resolve) => {
    const req = request(target, { method: 'POST', agent, headers }, (res) => {
      if (res.statusCode !== 200) failures++;
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => {
      failures++;
      resolve();
    });
    req.end(body);
  });
}
async function loop(): Promise<void> {
  while (sent < total && Date.now() < deadline) {
    sent++;
    await once();
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: Number(concurrencyArg) }, loop));
const ms = performance.now() - started;
agent.destroy();
process.stdout.write(JSON.stringify({ requests: sent, failures, ms }));
