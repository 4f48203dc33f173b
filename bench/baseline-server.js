// The bench's baseline: the least any durable webhook receiver must do. A bare node:http
// server that parses the JSON body and stores it with one XADD (ioredis), answering 202
// once Redis has it. Plain JavaScript, run with plain node, like the compiled bot.
//
//   PORT=0 REDIS_URL=redis://... STREAM_KEY=... node bench/baseline-server.js
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import process from 'node:process';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const key = process.env.STREAM_KEY ?? 'bench:baseline';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      JSON.parse(body);
    } catch {
      res.writeHead(400).end();
      return;
    }
    redis.xadd(key, '*', 'alert', body).then(
      () => res.writeHead(202).end('{"accepted":1}'),
      () => res.writeHead(503).end(),
    );
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  redis.disconnect();
});
