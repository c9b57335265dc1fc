// The npm socket.io-client side of rtlab's soak (internal/soak): a few
// clients that hold acked conversations with one server for as long as the
// soak lasts, and count the broadcasts they receive.
//
// usage: node soak-client.js <url> '<json config>'
// config: {"event": "echo" | "save-task",
//          "clients": [{"transports": ["websocket"], "upgrade": false}, ...],
//          "everyMs": 100,          pause between an ack and the next emit
//          "ackTimeoutMs": 10000,   an ack later than this is lost
//          "lifetimeMs": 600000}    exit 1 after this anyway
// Prints "ready" once every client is connected (or "fail <why>", exit 1).
// Each client emits `event` with an ack, one at a time: "echo" with
// {"i", "from"} must come back as it went; "save-task" with a title must be
// answered {"status": "ok", "taskId"}. Every "tick" event is counted.
// The stdin lines "pause" and "resume" hold the emits (the one in flight
// finishes) and let them go on: the soak reads a server's stats while its
// clients are quiet. On the stdin line "stop K" it stops emitting, waits up to 5 s for every
// client to have K ticks, prints "report <json>" (one record per client:
// transport, acks, lost, bad, disconnect, ticks, pings) and exits 0.
const { io } = require("socket.io-client");
const readline = require("readline");

const url = process.argv[2];
const cfg = JSON.parse(process.argv[3] || "{}");
const everyMs = cfg.everyMs ?? 100;
const ackTimeout = cfg.ackTimeoutMs || 10000;
setTimeout(() => { console.log("fail lifetime exceeded"); process.exit(1); }, cfg.lifetimeMs || 600000).unref();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let stopping = false;
let paused = null; // a promise while paused, and its resolver
let resume = null;

function makeClient(spec, n) {
  const socket = io(url, {
    transports: spec.transports || ["websocket"],
    upgrade: spec.upgrade !== false,
    reconnection: false,
    forceNew: true,
    timeout: ackTimeout,
  });
  const st = {
    transport: (spec.transports || ["websocket"]).join("+"),
    acks: 0, lost: 0, bad: [], disconnect: null, ticks: 0, pings: 0,
  };
  socket.io.on("ping", () => st.pings++);
  socket.on("tick", () => st.ticks++);
  socket.on("disconnect", (reason) => { if (!stopping && !st.disconnect) st.disconnect = reason; });
  const connected = new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", (e) => reject(new Error(st.transport + " client " + n + ": " + e.message)));
  });
  async function loop() {
    for (let i = 1; !stopping && socket.connected; i++) {
      const arg = cfg.event === "save-task" ? { title: "soak task " + n + "." + i } : { i, from: "node" };
      try {
        const reply = await socket.timeout(ackTimeout).emitWithAck(cfg.event, arg);
        const ok = cfg.event === "save-task"
          ? reply && reply.status === "ok" && typeof reply.taskId === "string"
          : reply && reply.i === i && reply.from === "node";
        if (ok) st.acks++;
        else if (st.bad.length < 3) st.bad.push(JSON.stringify(reply));
      } catch (e) {
        if (!socket.connected) break; // counted as the disconnect
        st.lost++;
      }
      await sleep(everyMs);
      if (paused) await paused;
    }
  }
  return { socket, st, connected, loop };
}

(async () => {
  const clients = (cfg.clients || []).map(makeClient);
  try {
    await Promise.all(clients.map((c) => c.connected));
  } catch (e) {
    console.log("fail " + e.message);
    process.exit(1);
  }
  const loops = clients.map((c) => c.loop());
  console.log("ready");
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", async (line) => {
    if (line.trim() === "pause" && !paused) {
      paused = new Promise((r) => { resume = r; });
      return;
    }
    if (line.trim() === "resume" && paused) {
      paused = null;
      resume();
      return;
    }
    const m = /^stop (\d+)$/.exec(line.trim());
    if (!m) return;
    stopping = true;
    if (paused) { paused = null; resume(); }
    await Promise.all(loops);
    const want = Number(m[1]);
    for (let t = 0; t < 100 && clients.some((c) => c.st.ticks < want && c.socket.connected); t++) await sleep(50);
    console.log("report " + JSON.stringify(clients.map((c) => c.st)));
    clients.forEach((c) => c.socket.disconnect());
    rl.close();
    setTimeout(() => process.exit(0), 200);
  });
})();
