// Q2, Q17, Q18 and Q19, written as one class. The server itself is fine;
// rtlab.yaml is what is broken.
const http = require('http');
const { Server } = require('socket.io');
const { WebSocketServer } = require('ws');

class RealtimeServer {
  constructor(port) {
    this.port = port;
    this.nextTaskId = 1;
    this.http = http.createServer((req, res) => {
      res.writeHead(404);
      res.end();
    });
    this.io = new Server(this.http);
    this.echo = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.io.of('/q17').on('connection', (s) => this.counting(s));
    this.io.of('/q18').on('connection', (s) => s.on('save-task', (t, ack) => this.saveTask(t, ack)));
    this.io.of('/q19').on('connection', (s) => this.typing(s));
  }

  upgrade(req, socket, head) {
    if (req.url.split('?')[0] !== '/ws') return;
    this.echo.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m, bin) => ws.send(m, { binary: bin })));
  }

  counting(socket) {
    const announce = () => socket.nsp.emit('user-count', { count: socket.nsp.sockets.size });
    announce();
    socket.on('disconnect', announce);
  }

  saveTask(task, ack) {
    if (typeof ack !== 'function') return;
    const isObject = task !== null && typeof task === 'object' && !Array.isArray(task);
    let message = null;
    if (!isObject) message = 'the task must be an object';
    else if (typeof task.title !== 'string') message = 'title is required and must be a string';
    else if (task.title.trim() === '') message = 'title must not be empty';
    else if (task.title.trim().length > 200) message = 'title must be at most 200 characters';
    else if (task.description !== undefined && typeof task.description !== 'string') message = 'description must be a string';
    ack(message ? { status: 'error', message } : { status: 'ok', taskId: String(this.nextTaskId++) });
  }

  typing(socket) {
    let name = null;
    socket.on('typing', (p) => socket.broadcast.emit('typing', { username: (name = p && p.username) }));
    socket.on('stop-typing', (p) => {
      name = null;
      socket.broadcast.emit('stop-typing', { username: p && p.username });
    });
    socket.on('disconnect', () => name && socket.broadcast.emit('stop-typing', { username: name }));
  }

  start() {
    this.http.listen(this.port, '127.0.0.1', () => console.log(`frank: ${this.port}`));
  }
}

new RealtimeServer(Number(process.env.PORT) || 3000).start();
