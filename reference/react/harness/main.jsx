// The page rtlab grades a Q21 answer in (clients.md, Q21): the student's
// module, imported as "rtlab-q21-answer", mounted as <Component url={server} />
// inside <StrictMode> (the development build: effects run twice on mount),
// with a #toggle button that unmounts and mounts it. It records every
// data-status the page shows, from the first, in window.__rtlab21.statuses.
import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import Component, * as answer from "rtlab-q21-answer";

const rec = (window.__rtlab21 ??= { sockets: [] });
rec.statuses = [];
rec.hasUseSocket = typeof answer.useSocket === "function";
rec.hasComponent = typeof Component === "function";

const note = () => {
  const el = document.querySelector("[data-status]");
  const s = el ? el.getAttribute("data-status") : "";
  if (rec.statuses.length === 0 || rec.statuses[rec.statuses.length - 1].status !== s) {
    rec.statuses.push({ status: s, at: performance.now() });
  }
};
new MutationObserver(note).observe(document.documentElement, {
  subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"],
});

const server = new URLSearchParams(location.search).get("server") || location.origin;

function Harness() {
  const [mounted, setMounted] = useState(true);
  return (
    <>
      <button id="toggle" onClick={() => setMounted((m) => !m)}>
        {mounted ? "Unmount" : "Mount"}
      </button>
      {mounted && rec.hasComponent ? <Component url={server} /> : null}
    </>
  );
}

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <Harness />
  </StrictMode>,
);
