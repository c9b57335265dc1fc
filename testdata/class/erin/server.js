// Broken: the server requires a module that was never committed, so it
// exits before it listens. Every check of its exercises fails, and the
// report shows node's error.
const http = require('http');
const db = require('./db'); // db.js is not in the repository
const { Server } = require('socket.io');

const server = http.createServer();
const io = new Server(server);
io.on('connection', (socket) => db.log(socket.id));
server.listen(Number(process.env.PORT) || 3000);
