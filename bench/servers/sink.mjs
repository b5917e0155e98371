// The end-to-end benchmark's target: records when each request arrives and the event's receivedAt.
import { createServer } from 'node:http';
let count = 0;
const latencies = [];
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    count++;
    try {
      const { receivedAt } = JSON.parse(Buffer.concat(chunks).toString());
      if (receivedAt) latencies.push(Date.now() - Date.parse(receivedAt));
    } catch {
      // a body without receivedAt only counts
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
process.on('message', (m) => {
  if (m === 'stats') process.send({ count, latencies: latencies.splice(0) });
  if (m === 'reset') {
    count = 0;
    latencies.length = 0;
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
