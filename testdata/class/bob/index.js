// Q2, Q17, Q18 and Q19 on one port, all on the default namespace: no
// rtlab.yaml, so rtlab follows the conventions (npm start, every exercise
// on "/").
const http = require('http');
const { Server } = require('socket.io');
const { WebSocketServer } = require('ws');

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found\n');
});
const io = new Server(server);

// Q2: a WebSocket endpoint at /ws that echoes what it receives.
const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  if (new URL(req.url, 'http://localhost').pathname !== '/ws') return; // Socket.IO's own
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
});

// Q17: every connect and disconnect tells everyone how many are here.
const q17 = io.of('/');
q17.on('connection', (socket) => {
  q17.emit('user-count', { count: q17.sockets.size });
  socket.on('disconnect', () => q17.emit('user-count', { count: q17.sockets.size }));
});

// Q18: save-task validates its payload and answers through the ack.
const q18 = io.of('/');
let nextTask = 1;
q18.on('connection', (socket) => {
  socket.on('save-task', (task, ack) => {
    if (typeof ack !== 'function') return;
    const fail = (message) => ack({ status: 'error', message });
    if (task === null || typeof task !== 'object' || Array.isArray(task)) return fail('the task must be an object');
    if (typeof task.title !== 'string') return fail('title is required and must be a string');
    const title = task.title.trim();
    if (title === '') return fail('title must not be empty');
    if (title.length > 200) return fail('title must be at most 200 characters');
    if (task.description !== undefined && typeof task.description !== 'string') return fail('description must be a string');
    ack({ status: 'ok', taskId: String(nextTask++) });
  });
});

// Q19: typing and stop-typing go to everyone but the sender; leaving while
// typing counts as stopping.
const q19 = io.of('/');
q19.on('connection', (socket) => {
  let typing = null;
  socket.on('typing', (p) => {
    typing = p && p.username;
    socket.broadcast.emit('typing', { username: typing });
  });
  socket.on('stop-typing', (p) => {
    typing = null;
    socket.broadcast.emit('stop-typing', { username: p && p.username });
  });
  socket.on('disconnect', () => {
    if (typing) socket.broadcast.emit('stop-typing', { username: typing });
  });
});

const port = Number(process.env.PORT) || 3000;
server.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
