// q21.jsx: the Q21 answer as one file, the form a student hands in
// (client/q21.jsx): the useSocket hook, named export, and the component
// that shows its status, default export. rtlab grade --exercise q21 --page
// q21.jsx bundles it into a page that mounts <Component url={server} />
// inside <StrictMode>. The same rules as useSocket.js, in fewer lines.
import { useEffect, useState } from "react";
import { io } from "socket.io-client";

/**
 * useSocket connects to the Socket.IO server at url while the calling
 * component is mounted, and returns { socket, status }: status is
 * "connecting", "connected", "reconnecting" (socket.io retries by itself)
 * or "disconnected" (closed for good: socket.disconnect() on either side).
 */
export function useSocket(url) {
  const [socket, setSocket] = useState(null);
  const [status, setStatus] = useState("connecting");

  useEffect(() => {
    // Made in the effect, never while rendering: Strict Mode runs this
    // effect, its cleanup, and the effect again; the cleanup below leaves
    // nothing of the first socket behind.
    const s = io(url);
    setStatus("connecting");
    const onConnect = () => setStatus("connected");
    // s.active is false after socket.disconnect() on either side ("io
    // server disconnect"): socket.io will not retry that by itself.
    const onDisconnect = () => setStatus(s.active ? "reconnecting" : "disconnected");
    const onConnectError = () => setStatus(s.active ? "reconnecting" : "disconnected");
    const onAttempt = () => setStatus("reconnecting");
    const onGiveUp = () => setStatus("disconnected");
    s.on("connect", onConnect);
    s.on("disconnect", onDisconnect);
    s.on("connect_error", onConnectError);
    // Reconnection is the Manager's (s.io), not the socket's.
    s.io.on("reconnect_attempt", onAttempt);
    s.io.on("reconnect_failed", onGiveUp);
    setSocket(s);
    return () => {
      s.off("connect", onConnect);
      s.off("disconnect", onDisconnect);
      s.off("connect_error", onConnectError);
      s.io.off("reconnect_attempt", onAttempt);
      s.io.off("reconnect_failed", onGiveUp);
      s.disconnect();
      setSocket(null);
    };
  }, [url]);

  return { socket, status };
}

const LABELS = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Connection lost: reconnecting…",
  disconnected: "Disconnected",
};

export default function ConnectionStatus({ url }) {
  const { status } = useSocket(url);
  return (
    <p id="status" data-status={status} role="status">
      {LABELS[status] ?? status}
    </p>
  );
}
