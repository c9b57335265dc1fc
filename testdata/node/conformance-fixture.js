// The fixture that the official Engine.IO v4 and Socket.IO v5 protocol test
// suites expect, built on the real npm packages: an engine.io echo server at
// /engine.io/ and the socket.io fixture at /socket.io/, on one port.
// rtlab's Go port of those suites runs against it to prove the port faithful;
// `rtlab serve conformance` is the same fixture on our own stack.
//
// usage: node conformance-fixture.js [port]   (0 = any free port)
const http = require("http");
const engine = require("engine.io");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 0);
const httpServer = http.createServer();

const eio = engine.attach(httpServer, {
  path: "/engine.io/",
  pingInterval: 300,
  pingTimeout: 200,
  maxPayload: 1e6,
  cors: { origin: "*" },
});
eio.on("connection", (socket) => {
  socket.on("message", (data) => socket.send(data));
});

const io = new Server(httpServer, {
  pingInterval: 300,
  pingTimeout: 200,
  maxHttpBufferSize: 1e6,
  connectTimeout: 1000,
  cors: { origin: "*" },
});
function onConnection(socket) {
  socket.emit("auth", socket.handshake.auth);
  socket.on("message", (...args) => socket.emit("message-back", ...args));
  socket.on("message-with-ack", (...args) => {
    const ack = args.pop();
    ack(...args);
  });
}
io.of("/").on("connection", onConnection);
io.of("/custom").on("connection", onConnection);

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`listening ${httpServer.address().port}`);
});
// Bounded life: a test harness never leaves it behind.
setTimeout(() => process.exit(0), 10 * 60 * 1000).unref();
