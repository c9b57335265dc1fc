// Hostile (contained): a student name made of markup (rtlab.yaml), a flood
// of output, and a server that ignores SIGTERM. It still serves Q17
// correctly: the grade must not suffer from the noise, the reports must
// show the name as text, and the server must not outlive the grade.
const http = require('http');
const { Server } = require('socket.io');

process.on('SIGTERM', () => console.log('SIGTERM? no.'));
const line = '\x1b[2J\x1b[31mFLOOD\x1b[0m '.repeat(40) + '\n';
for (let i = 0; i < 5000; i++) process.stdout.write(line);

const server = http.createServer();
const room = new Server(server).of('/q17');
function tell() {
  room.emit('user-count', { count: room.sockets.size });
}
room.on('connection', (socket) => {
  tell();
  socket.on('disconnect', tell);
});
server.listen(Number(process.env.PORT) || 3000, '127.0.0.1');
