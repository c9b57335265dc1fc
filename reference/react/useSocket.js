// useSocket: one Socket.IO connection per mounted component, and its state
// as React state.
//
// The rules it follows, each the answer to a classic bug:
//
// 1. The socket is created inside useEffect, never while rendering (a
//    render may run many times, or be thrown away) and never at module level
//    (it would outlive the component and be shared by every user of it).
// 2. The effect returns a cleanup that undoes everything the effect did:
//    it removes the listeners it added, with the same functions, and closes
//    the connection. React Strict Mode runs effects twice in development
//    (mount, unmount, mount) precisely to reveal a missing cleanup: without
//    one, every page load leaves an extra connection open on the server.
// 3. Listeners only call setState. No other state is kept outside React, so
//    a late event of a closed socket cannot change what is shown: its
//    listeners are gone.
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
      // Listeners first, so that the "io client disconnect" that
      // s.disconnect() emits reaches none of them.
      s.off("connect", onConnect);
      s.off("disconnect", onDisconnect);
      s.off("connect_error", onConnectError);
      s.io.off("reconnect_attempt", onAttempt);
      s.io.off("reconnect_failed", onGiveUp);
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
