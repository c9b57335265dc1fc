// Q2 and Q17 done; Q18 started (it only checks that a title is given);
// Q19 not attempted, and rtlab.yaml says so.
var http = require('http');
var socketio = require('socket.io');
var ws = require('ws');

var PORT = parseInt(process.env.PORT, 10) || 3000;
var lastTaskId = 0;

function notFound(req, res) {
  res.writeHead(404);
  res.end();
}

// Q2: the raw WebSocket on /ws sends every message back.
var echoServer = new ws.WebSocketServer({ noServer: true });
function onUpgrade(req, socket, head) {
  var path = req.url.split('?')[0];
  if (path !== '/ws') {
    return; // Socket.IO answers its own
  }
  echoServer.handleUpgrade(req, socket, head, function (client) {
    client.on('message', function (data, isBinary) {
      client.send(data, { binary: isBinary });
    });
  });
}

// Q17: the count, to everyone in the namespace.
function sendCount(nsp) {
  nsp.emit('user-count', { count: nsp.sockets.size });
}

// Q18: save-task (validation to be finished).
function saveTask(task, ack) {
  if (!task.title) return ack({ status: 'error', message: 'title is required' });
  lastTaskId += 1;
  ack({ status: 'ok', taskId: String(lastTaskId) });
}

var server = http.createServer(notFound);
server.on('upgrade', onUpgrade);
var io = new socketio.Server(server);

var users = io.of('/q17');
users.on('connection', function (socket) {
  sendCount(users);
  socket.on('disconnect', function () {
    sendCount(users);
  });
});

io.of('/q18').on('connection', function (socket) {
  socket.on('save-task', saveTask);
});

server.listen(PORT, '127.0.0.1', function () {
  console.log('carol listening on ' + PORT);
});
