// A socket.io-client@4 peer for rtlab's Go server interop tests (socketio
// package). It runs a scripted list of steps against a URL and prints one
// JSON line per step ("step {...}"), then "done" (exit 0), or "fail <why>"
// (exit 1) at the first step that fails. It exits after --lifetime anyway.
//
// usage: node sio-client.js <url> '<json config>'
// config: {"transports":["websocket"], "upgrade":true, "nsp":"/", "auth":{...},
//          "query":{...}, "timeout":3000, "lifetime":30000, "steps":[...]}
// steps (every wait bounded by "timeout"):
//   {"op":"connect"}                         waits for connect; prints {id} or, on
//                                            connect_error, {error:{message,data}}
//                                            (set "expectError":true to go on)
//   {"op":"emit","event":e,"args":[...],"ack":true,"binary":[i]}
//        args at the "binary" indices are strings turned into Buffers; with
//        "ack" waits for the ack and prints its args (Buffers as {"$bin":b64})
//   {"op":"wait","event":e,"reply":[...]}    waits for event e (buffered from
//        connect on) and prints its args; answers the ack with "reply" if asked
//   {"op":"waitDisconnect"}                  prints {reason}
//   {"op":"disconnect"}                      socket.disconnect()
//   {"op":"transport","waitUpgrade":true}    prints {transport}
//   {"op":"sleep","ms":n}
//   {"op":"none","event":e,"ms":n}           fails if e arrives within ms
//   {"op":"heartbeats"}                      prints {pings, disconnect}: the server
//                                            pings seen so far, the disconnect
//                                            reason (null while connected)
const { io } = require("socket.io-client");

const url = process.argv[2];
const cfg = JSON.parse(process.argv[3] || "{}");
const timeout = cfg.timeout || 3000;
setTimeout(() => { console.log("fail lifetime exceeded"); process.exit(1); }, cfg.lifetime || 30000).unref();

const enc = (v) => {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("base64") };
  if (Array.isArray(v)) return v.map(enc);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
  return v;
};

const socket = io(url + (cfg.nsp && cfg.nsp !== "/" ? cfg.nsp : ""), {
  transports: cfg.transports || ["websocket"],
  upgrade: cfg.upgrade !== false,
  auth: cfg.auth,
  query: cfg.query,
  reconnection: false,
  timeout,
  ackTimeout: timeout,
});

const inbox = [];
let waiter = null;
socket.onAny((event, ...args) => {
  inbox.push({ event, args });
  if (waiter) waiter();
});
let pings = 0;
socket.io.on("ping", () => pings++);
let disconnectReason = null;
socket.on("disconnect", (reason) => { disconnectReason = reason; if (waiter) waiter(); });
let connectResult = null;
socket.on("connect", () => { connectResult = { id: socket.id }; if (waiter) waiter(); });
socket.on("connect_error", (err) => {
  connectResult = { error: { message: err.message, data: err.data } };
  if (waiter) waiter();
});

function until(pred, what) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { clearInterval(poll); waiter = null; reject(new Error("timeout waiting for " + what)); }, timeout);
    // Events wake the check up; the poll covers state changes without one
    // (the transport upgrade).
    const poll = setInterval(() => check(), 20);
    const check = () => {
      const v = pred();
      if (v !== undefined && v !== null && v !== false) { clearTimeout(t); clearInterval(poll); waiter = null; resolve(v); }
    };
    waiter = check;
    check();
  });
}

async function step(s) {
  switch (s.op) {
    case "connect": {
      const r = await until(() => connectResult, "connect");
      if (r.error && !s.expectError) throw new Error("connect_error: " + JSON.stringify(r.error));
      return r;
    }
    case "emit": {
      const args = (s.args || []).map((a, i) => ((s.binary || []).includes(i) ? Buffer.from(a) : a));
      if (!s.ack) { socket.emit(s.event, ...args); return {}; }
      const reply = await socket.timeout(timeout).emitWithAck(s.event, ...args);
      return { ack: enc([reply]) };
    }
    case "emitMulti": {
      const args = (s.args || []).map((a, i) => ((s.binary || []).includes(i) ? Buffer.from(a) : a));
      const reply = await new Promise((resolve, reject) =>
        socket.timeout(timeout).emit(s.event, ...args, (err, ...r) => (err ? reject(err) : resolve(r))));
      return { ack: enc(reply) };
    }
    case "wait": {
      const i = await until(() => { const k = inbox.findIndex((m) => m.event === s.event); return k >= 0 ? k + 1 : null; }, "event " + s.event);
      const m = inbox.splice(i - 1, 1)[0];
      const cb = typeof m.args[m.args.length - 1] === "function" ? m.args.pop() : null;
      if (cb && s.reply) cb(...s.reply.map((a, j) => ((s.replyBinary || []).includes(j) ? Buffer.from(a) : a)));
      return { args: enc(m.args), ack: !!cb };
    }
    case "none": {
      await new Promise((r) => setTimeout(r, s.ms || 300));
      if (inbox.some((m) => m.event === s.event)) throw new Error("unexpected event " + s.event);
      return {};
    }
    case "waitDisconnect":
      return { reason: await until(() => disconnectReason, "disconnect") };
    case "disconnect":
      socket.disconnect();
      return {};
    case "transport": {
      if (s.waitUpgrade) await until(() => socket.io.engine && socket.io.engine.transport.name === "websocket", "upgrade");
      return { transport: socket.io.engine.transport.name };
    }
    case "heartbeats":
      return { pings, disconnect: disconnectReason };
    case "sleep":
      await new Promise((r) => setTimeout(r, s.ms));
      return {};
    default:
      throw new Error("unknown op " + s.op);
  }
}

(async () => {
  const steps = cfg.steps || [{ op: "connect" }];
  for (let i = 0; i < steps.length; i++) {
    try {
      const r = await step(steps[i]);
      console.log("step " + JSON.stringify({ i, op: steps[i].op, ...r }));
    } catch (e) {
      console.log("fail step " + i + " (" + steps[i].op + "): " + (e && e.message));
      process.exit(1);
    }
  }
  console.log("done");
  socket.disconnect();
  // Let a polling transport deliver the DISCONNECT packet before exiting.
  setTimeout(() => process.exit(0), 300);
})();
