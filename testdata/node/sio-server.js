// A socket.io@4 server for rtlab's Go client interop tests (socketio package).
//
// usage: node sio-server.js [port] [--pingInterval=ms] [--pingTimeout=ms]
//        [--connectTimeout=ms] [--lifetime=ms] [--transports=polling,websocket]
// Prints "listening <port>" when ready, then one line per server-side
// observation ("disconnect <nsp> <id> <reason>", "event <nsp> <name> <json>"),
// and exits on its own after --lifetime (default 60s).
//
// Main namespace "/" (and "/admin") events:
//   echo(...args[, cb])        cb(...args) when an ack is asked, else emit("echo", ...args)
//   whoami(cb)                 cb({id, auth, query, nsp, transport})
//   ask(payload[, cb])         server emits "question" with an ack to the client, then
//                              emits "answer" with the client's ack args (or {error})
//   binary(buf[, cb])          replies with a Buffer: the bytes reversed, plus {len}
//   join(room[, cb]) leave(room[, cb])
//   to-room(room, event, payload)       socket.to(room).emit(event, payload)
//   io-to-room(room, event, payload)    io.to(room).emit(event, payload)
//   broadcast(event, payload)           socket.broadcast.emit(event, payload)
//   except(room, event, payload)        io.except(room).emit(event, payload)
//   room-size(room, cb)
//   disconnect-me()            socket.disconnect()        (server namespace disconnect)
//   close-me()                 socket.disconnect(true)    (closes the connection)
// Namespace "/refused": middleware refuses with message "not allowed" and
// data {reason: "test", code: 42}.
const http = require("http");
const { Server } = require("socket.io");

const opts = {};
let port = 0;
for (const a of process.argv.slice(2)) {
  const m = /^--([A-Za-z]+)=(.*)$/.exec(a);
  if (m) opts[m[1]] = m[2];
  else port = Number(a);
}
const num = (k, d) => (opts[k] !== undefined ? Number(opts[k]) : d);

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: num("pingInterval", 25000),
  pingTimeout: num("pingTimeout", 20000),
  connectTimeout: num("connectTimeout", 45000),
  transports: opts.transports ? opts.transports.split(",") : ["polling", "websocket"],
});

const log = (...parts) => console.log(parts.join(" "));

function setup(nsp) {
  nsp.on("connection", (socket) => {
    log("connect", nsp.name, socket.id, JSON.stringify(socket.handshake.auth));
    socket.on("disconnect", (reason) => log("disconnect", nsp.name, socket.id, reason));
    socket.onAny((event, ...args) => {
      const shown = args.filter((a) => typeof a !== "function").map((a) => (Buffer.isBuffer(a) ? { $bin: a.toString("base64") } : a));
      log("event", nsp.name, event, JSON.stringify(shown));
    });
    socket.on("echo", (...args) => {
      const cb = typeof args[args.length - 1] === "function" ? args.pop() : null;
      if (cb) cb(...args);
      else socket.emit("echo", ...args);
    });
    socket.on("whoami", (cb) =>
      cb({ id: socket.id, auth: socket.handshake.auth, query: socket.handshake.query, nsp: nsp.name,
        transport: socket.conn.transport.name }),
    );
    socket.on("ask", (payload, cb) => {
      socket.timeout(3000).emit("question", payload, (err, ...reply) => {
        if (err) socket.emit("answer", { error: String(err.message || err) });
        else socket.emit("answer", ...reply);
        if (typeof cb === "function") cb("asked");
      });
    });
    socket.on("binary", (buf, cb) => {
      const out = Buffer.from(buf).reverse();
      if (typeof cb === "function") cb(out, { len: buf.length });
      else socket.emit("binary", out, { len: buf.length });
    });
    socket.on("join", (room, cb) => { socket.join(room); if (typeof cb === "function") cb("ok"); });
    socket.on("leave", (room, cb) => { socket.leave(room); if (typeof cb === "function") cb("ok"); });
    socket.on("to-room", (room, event, payload) => socket.to(room).emit(event, payload));
    socket.on("io-to-room", (room, event, payload) => nsp.to(room).emit(event, payload));
    socket.on("broadcast", (event, payload) => socket.broadcast.emit(event, payload));
    socket.on("except", (room, event, payload) => nsp.except(room).emit(event, payload));
    socket.on("room-size", (room, cb) => cb((nsp.adapter.rooms.get(room) || new Set()).size));
    socket.on("disconnect-me", () => socket.disconnect());
    socket.on("close-me", () => socket.disconnect(true));
  });
}
setup(io.of("/"));
setup(io.of("/admin"));
io.of("/refused").use((socket, next) => {
  const err = new Error("not allowed");
  err.data = { reason: "test", code: 42 };
  next(err);
});

httpServer.listen(port, "127.0.0.1", () => log("listening", httpServer.address().port));
setTimeout(() => { io.close(); process.exit(0); }, num("lifetime", 60000)).unref();
setTimeout(() => process.exit(0), num("lifetime", 60000) + 1000);
