// @octokit/fixtures-server on 127.0.0.1 and a free port, for test-github-fixtures.
// Prints "port N" once listening. GET /_pending/:id lists what a loaded
// scenario still expects (empty once every recorded request was made, in order).
// Exits when its stdin closes, so it cannot outlive the test that started it.
import express from "express";
import cachimo from "cachimo";
import fixtureServerMiddleware from "@octokit/fixtures-server";

const app = express();
const server = app.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  app.get("/_pending/:id", (req, res) => {
    const mock = cachimo.get(req.params.id);
    res.json({ pending: mock ? mock.pending() : [] });
  });
  app.use(
    fixtureServerMiddleware({
      port,
      fixturesUrl: `http://127.0.0.1:${port}`,
      logLevel: "error",
      ttl: 60000,
    }),
  );
  process.stdout.write(`port ${port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(3), 120000).unref();
