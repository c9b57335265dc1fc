// ConnectionStatus shows the state useSocket reports, in words and with a
// coloured dot. It only renders its props: the connection belongs to
// whoever calls useSocket, so several components can show one connection.
import { CONNECTED, CONNECTING, DISCONNECTED, RECONNECTING } from "./useSocket.js";

const LABELS = {
  [CONNECTING]: () => "Connecting…",
  [CONNECTED]: () => "Connected",
  [RECONNECTING]: ({ attempt, reason }) =>
    `Connection lost${reason ? ` (${reason})` : ""}: reconnecting` + (attempt ? `, attempt ${attempt}…` : "…"),
  [DISCONNECTED]: ({ reason }) => `Disconnected${reason ? ` (${reason})` : ""}`,
};

export function ConnectionStatus({ status, reason, attempt }) {
  const label = (LABELS[status] ?? (() => status))({ reason, attempt });
  return (
    <p id="status" className={`status status-${status}`} data-status={status} role="status">
      <span className="dot" aria-hidden="true" /> {label}
    </p>
  );
}
