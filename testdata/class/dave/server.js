// Every exercise attempted, two with a bug: Q17 announces the count only
// when someone leaves (a newcomer hears nothing), and Q19 sends typing and
// stop-typing back to the sender too (io.emit instead of a broadcast).
const { createServer } = require('http');
const { Server } = require('socket.io');
const { WebSocketServer } = require('ws');

const httpServer = createServer((req, res) => res.writeHead(404).end());
const io = new Server(httpServer);

// Q2
const raw = new WebSocketServer({ noServer: true });
raw.on('connection', (sock) => sock.on('message', (msg, binary) => sock.send(msg, { binary })));
httpServer.on('upgrade', (req, sock, head) => {
  if (req.url.split('?')[0] === '/ws') raw.handleUpgrade(req, sock, head, (c) => raw.emit('connection', c));
});

// Q18: the first rule a task breaks is the error.
const rules = [
  [(t) => t === null || typeof t !== 'object' || Array.isArray(t), 'the task must be an object'],
  [(t) => typeof t.title !== 'string', 'title is required and must be a string'],
  [(t) => t.title.trim() === '', 'title must not be empty'],
  [(t) => t.title.trim().length > 200, 'title must be at most 200 characters'],
  [(t) => t.description !== undefined && typeof t.description !== 'string', 'description must be a string'],
];
let tasks = 0;

const exercises = {
  q17(nsp, socket) {
    socket.on('disconnect', () => nsp.emit('user-count', { count: nsp.sockets.size }));
  },
  q18(nsp, socket) {
    socket.on('save-task', (task, ack) => {
      if (typeof ack !== 'function') return;
      const broken = rules.find(([bad]) => bad(task));
      ack(broken ? { status: 'error', message: broken[1] } : { status: 'ok', taskId: String(++tasks) });
    });
  },
  q19(nsp, socket) {
    let who = null;
    socket.on('typing', (p) => {
      who = p && p.username;
      nsp.emit('typing', { username: who });
    });
    socket.on('stop-typing', (p) => {
      who = null;
      nsp.emit('stop-typing', { username: p && p.username });
    });
    socket.on('disconnect', () => who && socket.broadcast.emit('stop-typing', { username: who }));
  },
};

for (const [name, setup] of Object.entries(exercises)) {
  const nsp = io.of('/' + name);
  nsp.on('connection', (socket) => setup(nsp, socket));
}

const port = Number(process.env.PORT) || 3000;
httpServer.listen(port, '127.0.0.1', () => console.log(`dave on ${port}`));
