// The entry point. <StrictMode> makes React run every effect twice on
// mount in development (mount, cleanup, mount): a hook without a correct
// cleanup shows it at once as a second connection.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.jsx";

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
