// An engine.io@6 server (the npm package, protocol 4) for rtlab's Go client
// interop tests (engineio package).
//
// usage: node eio-server.js [port] ['<json options>']
// The options are engine.io Server options (pingInterval, pingTimeout,
// transports, allowUpgrades, maxHttpBufferSize, cors, ...) plus:
//   "path"      mount path (default "/engine.io/")
//   "lifetime"  ms before the script exits on its own (default 60000)
//   "deny"      when true, allowRequest refuses every handshake
// Prints "listening <port>" when ready, then one line per observation:
//   connection <id> <transport>
//   upgrade <id> <transport>
//   message <id> text|binary <length>
//   close <id> <reason>
// Every message is echoed as is (a Buffer stays binary). The text message
// "close-me" makes the server close the session instead.
const http = require("http");
const { Server } = require("engine.io");

let port = 0;
let opts = {};
for (const a of process.argv.slice(2)) {
  if (a.startsWith("{")) opts = JSON.parse(a);
  else port = Number(a);
}
const lifetime = opts.lifetime || 60000;
const path = opts.path || "/engine.io/";
const deny = !!opts.deny;
delete opts.lifetime;
delete opts.path;
delete opts.deny;
if (deny) opts.allowRequest = (req, cb) => cb("Forbidden", false);

const log = (...parts) => console.log(parts.join(" "));
const httpServer = http.createServer();
const engine = new Server(opts);
engine.attach(httpServer, { path });

engine.on("connection", (socket) => {
  log("connection", socket.id, socket.transport.name);
  socket.on("upgrade", (t) => log("upgrade", socket.id, t.name));
  socket.on("message", (data) => {
    const binary = typeof data !== "string";
    log("message", socket.id, binary ? "binary" : "text", data.length);
    if (data === "close-me") {
      socket.close();
      return;
    }
    socket.send(data);
  });
  socket.on("close", (reason) => log("close", socket.id, reason));
});

httpServer.listen(port, "127.0.0.1", () => log("listening", httpServer.address().port));
setTimeout(() => {
  engine.close();
  httpServer.close();
  process.exit(0);
}, lifetime).unref();
