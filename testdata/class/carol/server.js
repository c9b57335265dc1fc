// Q2 and Q17 done; Q18 started (it only checks that a title is given);
// Q19 not attempted, and rtlab.yaml says so.
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
const q17 = io.of('/q17');
q17.on('connection', (socket) => {
  q17.emit('user-count', { count: q17.sockets.size });
  socket.on('disconnect', () => q17.emit('user-count', { count: q17.sockets.size }));
});

// Q18: save-task (validation to be finished).
const q18 = io.of('/q18');
let nextTask = 1;
q18.on('connection', (socket) => {
  socket.on('save-task', (task, ack) => {
    if (!task.title) return ack({ status: 'error', message: 'title is required' });
    ack({ status: 'ok', taskId: String(nextTask++) });
  });
});

const port = Number(process.env.PORT) || 3000;
server.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
