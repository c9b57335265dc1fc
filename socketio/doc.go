// Package socketio implements the Socket.IO protocol, revision 5, on top of
// package engineio (Engine.IO protocol 4): a codec with no I/O, a server that
// a Node.js socket.io-client@4 can talk to, and a client built as a test
// harness instrument (it records every packet and can misbehave on purpose).
//
// The codec (Packet, Encode, Decoder) is its own layer so that graders and
// tracers can decode captured traffic without a connection. The server and
// the client sit on engineio connections: every engine.io message carries
// one socket.io packet, except that binary packets are followed by their
// attachments as separate binary engine.io messages.
//
// Event arguments are JSON. A []byte argument becomes a binary attachment,
// referenced from the JSON by a {"_placeholder":true,"num":i} object, the way
// socket.io does it for Buffer values; Event.Bytes and Bind resolve the
// placeholders on the receiving side.
package socketio
