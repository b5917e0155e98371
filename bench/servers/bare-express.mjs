// Floor: a bare Express 5 JSON handler answering 202.
import express from 'express';
const app = express();
app.use(express.json());
app.post('/hook', (_req, res) => {
  res.status(202).json({ executionId: 'ex_floor' });
});
const server = app.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
