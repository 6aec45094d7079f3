// The ORDER_CREATED handler a developer would write with Saleor's @saleor/app-sdk: the
// fetch-API SaleorAsyncWebhook on node:http, an in-memory APL holding the shop's auth data and
// JWKS. The SDK checks the headers, parses the body and verifies the detached JWS; the handler
// answers 200. Usage: node server.mjs <port> <saleorApiUrl> <appId> <jwksUrl>
import http from "node:http";

import { SaleorAsyncWebhook } from "@saleor/app-sdk/handlers/fetch-api";

const [port, saleorApiUrl, appId, jwksUrl] = process.argv.slice(2);
const jwks = await (await fetch(jwksUrl)).text();
const authData = { token: "bench-app-token", saleorApiUrl, appId, jwks };
const apl = {
  get: async (url) => (url === saleorApiUrl ? authData : undefined),
  set: async () => {},
  delete: async () => {},
  getAll: async () => [authData],
};

const orderCreated = new SaleorAsyncWebhook({
  name: "order-created",
  webhookPath: "api/webhooks/order-created",
  event: "ORDER_CREATED",
  apl,
  query: "subscription { event { ... on OrderCreated { order { id } } } }",
});
const handle = orderCreated.createHandler(async () => new Response("{}", { status: 200 }));

function toRequest(req, body) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
  }
  const init = { method: req.method, headers };
  if (req.method !== "GET" && req.method !== "HEAD") init.body = body;
  return new Request(`http://${req.headers.host}${req.url}`, init);
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain", "content-length": 2 }).end("ok");
    return;
  }
  const response = await handle(toRequest(req, Buffer.concat(chunks)));
  const body = Buffer.from(await response.arrayBuffer());
  const headers = { ...Object.fromEntries(response.headers), "content-length": body.length };
  res.writeHead(response.status, headers).end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), "127.0.0.1");
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
