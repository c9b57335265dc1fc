// App: the Q21 demo. The Live part uses the connection; the button mounts
// and unmounts it, so that the cleanup of useSocket can be watched (the
// server's user count drops as the component goes away).
import { useCallback, useEffect, useState } from "react";
import { ConnectionStatus } from "./ConnectionStatus.jsx";
import { useSocket, useSocketEvent } from "./useSocket.js";

function Live() {
  const { socket, status, reason, attempt } = useSocket();
  const [users, setUsers] = useState(null);
  // useCallback keeps the handler the same function from render to render,
  // so that useSocketEvent does not remove and re-add it each time.
  const onUserCount = useCallback(({ count }) => setUsers(count), []);
  useSocketEvent(socket, "user-count", onUserCount);

  // Exposed for DevTools and for the browser test: the current socket, kept
  // after unmount so that one can check it was closed and cleaned up.
  useEffect(() => {
    if (socket) window.q21 = { socket };
  }, [socket]);

  return (
    <section>
      <ConnectionStatus status={status} reason={reason} attempt={attempt} />
      <p id="users">{users === null ? "" : `${users} user${users === 1 ? "" : "s"} online`}</p>
    </section>
  );
}

export function App() {
  const [mounted, setMounted] = useState(true);
  return (
    <main>
      <h1>useSocket</h1>
      <p>
        This page runs inside React&apos;s <code>&lt;StrictMode&gt;</code>, in the development build: every
        effect runs twice on mount, yet the server counts one user per tab.
      </p>
      <button id="toggle" onClick={() => setMounted((m) => !m)}>
        {mounted ? "Unmount the live component" : "Mount it again"}
      </button>
      {mounted ? <Live /> : <p id="status" data-status="unmounted">Not connected: the component is unmounted.</p>}
    </main>
  );
}
