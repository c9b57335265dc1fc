// Hostile (contained): before serving Q17 correctly, it tries what a
// sandbox must deny: read a classmate's work and write outside its own
// folder. It prints what happened, which the report shows.
const fs = require('fs');
const path = require('path');
const http = require('http');
const { Server } = require('socket.io');

function attempt(what, fn) {
  try {
    fn();
    console.log(`${what}: allowed`);
  } catch (err) {
    console.log(`${what}: denied (${err.code || err.message})`);
  }
}
attempt('read ../alice/server.js', () => fs.readFileSync(path.join(__dirname, '..', 'alice', 'server.js')));
attempt('write ./stolen.txt', () => fs.writeFileSync(path.join(__dirname, 'stolen.txt'), 'x'));
attempt('write ../judy-was-here.txt', () => fs.writeFileSync(path.join(__dirname, '..', 'judy-was-here.txt'), 'x'));

const server = http.createServer();
const io = new Server(server);
const q17 = io.of('/q17');
q17.on('connection', (socket) => {
  q17.emit('user-count', { count: q17.sockets.size });
  socket.on('disconnect', () => q17.emit('user-count', { count: q17.sockets.size }));
});
server.listen(Number(process.env.PORT) || 3000, '127.0.0.1');
