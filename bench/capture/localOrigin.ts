// The bench's HTTPS origin, in a process of its own (so its CPU is neither the proxy's nor the load
// generator's): answers GET /<bytes>?... with that many bytes, keep-alive. Prints its port.
// Usage: node --import tsx bench/capture/localOrigin.ts KEY CERT
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

const [keyFile, certFile] = process.argv.slice(2);
const bodies = new Map<string, Buffer>();
const server = https.createServer({ key: readFileSync(keyFile!), cert: readFileSync(certFile!), keepAlive: true }, (req, res) => {
  const drip = /^\/drip\/(\d+)\/(\d+)/.exec(req.url ?? '');
  if (drip) {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 * Number(drip[2]) });
    let left = Number(drip[2]);
    const timer = setInterval(() => {
      res.write(Buffer.alloc(1024, 'd'));
      if (--left === 0) {
        clearInterval(timer);
        res.end();
      }
    }, Number(drip[1]));
    res.on('close', () => clearInterval(timer));
    return;
  }
  const size = Number((req.url ?? '/').slice(1).split('?')[0]) || 0;
  let body = bodies.get(String(size));
  if (!body) bodies.set(String(size), (body = Buffer.alloc(Math.min(size, 16 * 1024 * 1024), 'x')));
  req.resume();
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
