// The fixture of `rtlab load` on a plain socket.io@4 server, the Node.js
// side of `make bench-servers` (the Go side is `rtlab serve loadtest`).
//
// usage: node loadtest-server.js [port] [--lifetime=ms]
// Prints "listening <port>" when ready and exits on its own after
// --lifetime (default 15 minutes).
//
//   echo(...args, cb)      cb(...args)
//   bcast({n, size}, cb)   io.emit("tick", {seq, t, pad}) n times, t = Date.now(),
//                          pad = size characters; then cb({sent, ms})
const http = require("http");
const { Server } = require("socket.io");

let port = 0;
let lifetime = 15 * 60 * 1000;
for (const a of process.argv.slice(2)) {
  const m = /^--lifetime=(\d+)$/.exec(a);
  if (m) lifetime = Number(m[1]);
  else port = Number(a);
}

const httpServer = http.createServer();
const io = new Server(httpServer);

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const cb = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (cb) cb(...args);
  });
  socket.on("bcast", (req, cb) => {
    const n = Number(req && req.n) || 0;
    const size = Number(req && req.size) || 0;
    const start = process.hrtime.bigint();
    const pad = "x".repeat(size);
    for (let seq = 1; seq <= n; seq++) {
      io.emit("tick", { seq, t: Date.now(), pad });
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (typeof cb === "function") cb({ sent: n, ms });
  });
});

httpServer.listen(port, "127.0.0.1", () => console.log("listening", httpServer.address().port));
setTimeout(() => process.exit(0), lifetime).unref();
