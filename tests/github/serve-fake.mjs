// Serves the fake GitHub (fake-github.mjs) on a free loopback port and
// writes the port to the file named by its argument, as tests/lib/tap.sh's
// start_server expects; gone after 10 minutes at the latest.
//   node serve-fake.mjs PORT_FILE
import http from "node:http";
import { writeFileSync } from "node:fs";
import { handle } from "./fake-github.mjs";

const server = http.createServer(handle);
server.listen(0, "127.0.0.1", () => writeFileSync(process.argv[2], String(server.address().port)));
setTimeout(() => process.exit(3), 600000).unref();
