// Broken: a correct Q17 that listens on port 3000 whatever PORT says, so
// the grader never finds it: every check fails, and the report says the
// port never opened.
const { Server } = require('socket.io');
const server = require('http').createServer();

const io = new Server(server);
io.of('/q17').on('connection', (socket) => {
  const users = socket.nsp;
  users.emit('user-count', { count: users.sockets.size });
  socket.on('disconnect', () => users.emit('user-count', { count: users.sockets.size }));
});

server.listen(3000, '127.0.0.1'); // the bug: PORT from the environment is ignored
