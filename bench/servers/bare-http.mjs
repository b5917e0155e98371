// Floor: the fastest a Node.js process on this machine can answer a webhook (202, nothing stored).
import { createServer } from 'node:http';
const body = JSON.stringify({ executionId: 'ex_floor' });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
