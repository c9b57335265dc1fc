// An engine.io-client@6 peer (the npm package, protocol 4) for rtlab's Go
// server interop tests (engineio package).
//
// usage: node eio-client.js <url> '<json config>'
// config: {"path":"/engine.io/", "transports":["polling","websocket"],
//          "upgrade":true, "messages":[{"text":"hi"},{"binary":"<base64>"}],
//          "waitUpgrade":false, "pings":0, "end":"close"|"server"|"none",
//          "ignorePings":false, "timeout":5000, "lifetime":30000}
// It connects, prints "open {sid,transport}", optionally waits for the
// upgrade ("upgrade {transport}"), sends each message and waits for its echo
// ("echo {type,len,ok}"), waits until it has seen "pings" pings
// ("pings {n,transport}"), then ends as "end" says: "close" closes from the
// client, "server" sends "close-me" and waits for the server to close,
// "none" leaves the session open. With "ignorePings" the client stops
// answering pings after the echoes (a fault, for the server's ping timeout). It prints "closed {reason}" (except for
// "none"), then "done" and exits 0; at the first failure it prints
// "fail <why>" and exits 1. Every wait is bounded by "timeout".
const { Socket } = require("engine.io-client");

const url = process.argv[2];
const cfg = JSON.parse(process.argv[3] || "{}");
const timeout = cfg.timeout || 5000;
setTimeout(() => fail("lifetime exceeded"), cfg.lifetime || 30000).unref();

const print = (tag, obj) => console.log(tag + " " + JSON.stringify(obj));
function fail(why) {
  console.log("fail " + why);
  process.exit(1);
}

const socket = new Socket(url, {
  path: cfg.path || "/engine.io/",
  transports: cfg.transports || ["polling", "websocket"],
  upgrade: cfg.upgrade !== false,
});

// waitFor resolves with the first event that matches, or fails after timeout.
function waitFor(event, what, pred = () => true) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => fail("timeout waiting for " + what), timeout);
    const on = (...args) => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(args);
    };
    socket.on(event, on);
  });
}

let pings = 0;
socket.on("ping", () => pings++);
let closeReason = null;
const closed = new Promise((resolve) => socket.on("close", (reason) => { closeReason = reason; resolve(reason); }));
socket.on("error", (err) => fail("error " + (err && err.message)));

(async () => {
  await waitFor("open", "open");
  print("open", { sid: socket.id, transport: socket.transport.name });
  if (cfg.waitUpgrade) {
    if (socket.transport.name !== "websocket") await waitFor("upgrade", "upgrade");
    print("upgrade", { transport: socket.transport.name });
  }
  for (const m of cfg.messages || []) {
    const isBin = m.binary !== undefined;
    const payload = isBin ? Buffer.from(m.binary, "base64") : m.text;
    const echo = waitFor("message", "echo");
    socket.send(payload);
    const [data] = await echo;
    const gotBin = typeof data !== "string";
    const ok = gotBin === isBin && (isBin ? Buffer.compare(Buffer.from(data), payload) === 0 : data === payload);
    print("echo", { type: gotBin ? "binary" : "text", len: data.length !== undefined ? data.length : data.byteLength, ok });
    if (!ok) fail("echo mismatch");
  }
  if (cfg.pings) {
    const deadline = Date.now() + timeout;
    while (pings < cfg.pings) {
      if (closeReason) fail("closed while waiting for pings: " + closeReason);
      if (Date.now() > deadline) fail(`saw ${pings} of ${cfg.pings} pings`);
      await new Promise((r) => setTimeout(r, 10));
    }
    print("pings", { n: pings, transport: socket.transport.name });
  }
  if (cfg.ignorePings) {
    const send = socket._sendPacket.bind(socket);
    socket._sendPacket = (type, ...rest) => { if (type !== "pong") send(type, ...rest); };
    const timer = setTimeout(() => fail("timeout waiting for the server to close"), timeout);
    print("closed", { reason: await closed });
    clearTimeout(timer);
    console.log("done");
    setTimeout(() => process.exit(0), 100);
    return;
  }
  const end = cfg.end || "close";
  if (end === "close") {
    socket.close();
  } else if (end === "server") {
    socket.send("close-me");
  }
  if (end !== "none") {
    const timer = setTimeout(() => fail("timeout waiting for close"), timeout);
    const reason = await closed;
    clearTimeout(timer);
    print("closed", { reason });
  }
  console.log("done");
  // Give the close packet's POST time to reach the server before exiting.
  if (end !== "none") setTimeout(() => process.exit(0), 300);
})().catch((e) => fail(e.stack || String(e)));
