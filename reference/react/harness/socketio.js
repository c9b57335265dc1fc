// socket.io-client as the Q21 answer imports it, wrapped so that the
// grader sees every socket the answer makes (window.__rtlab21.sockets):
// their listeners, and their Managers' (socket.io-client keeps them in
// _callbacks), once the component is unmounted. "rtlab-real-socket.io-client"
// is the real package.
import * as real from "rtlab-real-socket.io-client";

export * from "rtlab-real-socket.io-client";

const rec = (window.__rtlab21 ??= { sockets: [] });
const keep = (s) => {
  if (!rec.sockets.includes(s)) rec.sockets.push(s);
  return s;
};

export function io(...args) {
  return keep(real.io(...args));
}
export { io as connect };
export default io;

export class Manager extends real.Manager {
  socket(...args) {
    return keep(super.socket(...args));
  }
}
