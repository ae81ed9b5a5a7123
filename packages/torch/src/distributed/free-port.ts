// A rendezvous port for a single-node group (torchrun's --standalone picks one the same way).
import { createServer } from "node:net";

/** A TCP port nothing listens on right now at `host` (another process may still take it before rank 0 does). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error(`no free port at ${host}`))));
    });
  });
}
