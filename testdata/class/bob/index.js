// Q2, Q17, Q18 and Q19 on one port, all on the default namespace: no
// rtlab.yaml, so rtlab follows the conventions (npm start, every exercise
// on "/"). One connection handler does everything.
const http = require('http');
const { Server } = require('socket.io');
const WebSocket = require('ws');

const PORT = Number(process.env.PORT) || 3000;

const app = http.createServer(function (req, res) {
  res.statusCode = 404;
  res.end('nothing here\n');
});

// Q2: a plain WebSocket on /ws that sends back what it gets.
const echo = new WebSocket.WebSocketServer({ noServer: true });
app.on('upgrade', function (req, sock, head) {
  if (req.url.split('?')[0] !== '/ws') return; // leave /socket.io/ alone
  echo.handleUpgrade(req, sock, head, function (ws) {
    ws.on('message', function (msg, binary) {
      ws.send(msg, { binary: binary });
    });
  });
});

const io = new Server(app);
let taskCounter = 0;

// Q18: null when the task is fine, else what is wrong with it.
function taskProblem(task) {
  if (!task || typeof task !== 'object' || Array.isArray(task)) return 'the task must be an object';
  if (typeof task.title !== 'string') return 'title is required and must be a string';
  const title = task.title.trim();
  if (!title) return 'title must not be empty';
  if (title.length > 200) return 'title must be at most 200 characters';
  if (task.description !== undefined && typeof task.description !== 'string') return 'description must be a string';
  return null;
}

function announceCount() {
  io.emit('user-count', { count: io.sockets.sockets.size });
}

io.on('connection', function (socket) {
  let typingAs = null; // Q19: the name this socket is typing under

  announceCount();

  socket.on('save-task', function (task, reply) {
    if (typeof reply !== 'function') return;
    const problem = taskProblem(task);
    if (problem) reply({ status: 'error', message: problem });
    else reply({ status: 'ok', taskId: String(++taskCounter) });
  });

  socket.on('typing', function (data) {
    typingAs = data && data.username;
    socket.broadcast.emit('typing', { username: typingAs });
  });
  socket.on('stop-typing', function (data) {
    typingAs = null;
    socket.broadcast.emit('stop-typing', { username: data && data.username });
  });

  socket.on('disconnect', function () {
    announceCount();
    if (typingAs) socket.broadcast.emit('stop-typing', { username: typingAs });
  });
});

app.listen(PORT, '127.0.0.1', function () {
  console.log('bob: http://127.0.0.1:' + PORT);
});
