package socketio

// clientMode is one way a client reaches its final transport. The round
// trips and the heartbeat tests walk the same three with our Client and
// with socket.io-client, so one table keeps them from drifting apart.
type clientMode struct {
	name       string
	opts       ClientOptions // how our Client is dialled
	transports []string      // socket.io-client's "transports" option, and what our server must allow
	final      string        // the transport the connection ends up on
}

var clientModes = []clientMode{
	{"websocket", ClientOptions{}, []string{"websocket"}, "websocket"},
	{"polling", ClientOptions{Transport: "polling"}, []string{"polling"}, "polling"},
	{"upgrade", ClientOptions{Transport: "polling", Upgrade: true}, []string{"polling", "websocket"}, "websocket"},
}
