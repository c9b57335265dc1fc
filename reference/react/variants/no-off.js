// Broken variant "no-off" of useSocket.js, served by `rtlab serve q21 --variant no-off`
// to show what the browser test catches. Compare with ../useSocket.js.
import { useEffect, useState } from "react";
import { io } from "socket.io-client";

// The states the hook reports, in the order a connection goes through them.
export const CONNECTING = "connecting"; // first attempt under way
export const CONNECTED = "connected";
export const RECONNECTING = "reconnecting"; // lost; socket.io is retrying by itself
export const DISCONNECTED = "disconnected"; // closed for good (by the server, or retries exhausted)

/**
 * useSocket connects to the Socket.IO server at url (the page's own server
 * when url is undefined) while the calling component is mounted.
 *
 * It returns { socket, status, reason, attempt }: socket is null until the
 * connection is created, status one of the constants above, reason the
 * last disconnect reason or error message, attempt the number of the
 * reconnection attempt under way.
 */
export function useSocket(url) {
  const [socket, setSocket] = useState(null);
  const [state, setState] = useState({ status: CONNECTING, reason: "", attempt: 0 });

  useEffect(() => {
    const s = io(url);

    const onConnect = () => setState({ status: CONNECTED, reason: "", attempt: 0 });
    const onDisconnect = (reason) =>
      // s.active is true when socket.io will reconnect by itself ("transport
      // close", "ping timeout"), false after socket.disconnect() on either
      // side ("io server disconnect" needs a new s.connect() to come back).
      setState({ status: s.active ? RECONNECTING : DISCONNECTED, reason, attempt: 0 });
    const onConnectError = (err) =>
      setState((prev) => ({ ...prev, status: s.active ? RECONNECTING : DISCONNECTED, reason: err.message }));
    // Reconnection is the Manager's business (s.io), not the socket's.
    const onAttempt = (attempt) => setState((prev) => ({ ...prev, status: RECONNECTING, attempt }));
    const onGiveUp = () => setState((prev) => ({ ...prev, status: DISCONNECTED, reason: "reconnection failed" }));

    s.on("connect", onConnect);
    s.on("disconnect", onDisconnect);
    s.on("connect_error", onConnectError);
    s.io.on("reconnect_attempt", onAttempt);
    s.io.on("reconnect_failed", onGiveUp);
    setSocket(s);

    return () => {
      // BUG (variant no-off): the connection is closed but the listeners stay
      // on the socket and its Manager, and still call setState if it comes back.
      s.disconnect();
      setSocket(null);
    };
  }, [url]);

  return { socket, ...state };
}

/**
 * useSocketEvent calls handler for each event of that name while the
 * component is mounted and socket is set, and removes exactly that
 * listener on cleanup (socket.off(event) without the handler would remove
 * every component's listeners for the event).
 */
export function useSocketEvent(socket, event, handler) {
  useEffect(() => {
    if (!socket) return undefined;
    socket.on(event, handler);
    return () => socket.off(event, handler);
  }, [socket, event, handler]);
}
