// rtlab test answer for Q21. The bug: a JSX expression never closed, so
// the module does not build.
import { useEffect, useState } from "react";
import { io } from "socket.io-client";

export function useSocket(url) {
  const [status, setStatus] = useState("connecting");
  useEffect(() => {
    const s = io(url);
    const onConnect = () => setStatus("connected");
    s.on("connect", onConnect);
    return () => {
      s.off("connect", onConnect);
      s.disconnect();
    };
  }, [url]);
  return { status };
}

export default function ConnectionStatus({ url }) {
  const { status } = useSocket(url);
  return <p id="status" data-status={status}>{status</p>;
}
