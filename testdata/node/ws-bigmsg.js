// A WebSocket client (the npm ws package, which socket.io-client uses in
// Node.js) that opens an Engine.IO session, sends one text message of a
// given size and reports the close code it sees: rtlab's hostile-input
// tests expect 1009 for a message over maxPayload, never 1006.
//
// usage: node ws-bigmsg.js <ws://host:port/socket.io/?EIO=4&transport=websocket> <bytes>
// prints "close <code>" and exits 0, or "fail <why>" and exits 1.
const WebSocket = require("ws");

const [url, size] = [process.argv[2], Number(process.argv[3])];
setTimeout(() => { console.log("fail no close within 15s"); process.exit(1); }, 15000).unref();

const ws = new WebSocket(url);
ws.on("error", () => {}); // the close event reports the outcome
ws.once("message", () => {
  // The open packet arrived: send 42["x","yyy…"] of size bytes.
  ws.send('42["x","' + "y".repeat(Math.max(0, size - 9)) + '"]');
});
ws.on("close", (code) => {
  console.log("close " + code);
  process.exit(0);
});
