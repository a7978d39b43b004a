// Queries and mutations go over HTTP POST; subscriptions over graphql-transport-ws on the
// same path. Both carry the headers typed in GraphiQL's headers editor: over WebSocket the
// Authorization header travels in the connection_init payload, as the API expects.
import { getOperationAST, parse } from 'graphql';
import { createClient } from 'graphql-ws';

export function graphqlUrls(location) {
  const ws = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return { http: `${location.origin}/graphql`, ws: `${ws}//${location.host}/graphql` };
}

function isSubscription(params, documentAST) {
  try {
    const doc = documentAST || parse(params.query);
    const op = getOperationAST(doc, params.operationName || undefined);
    return op?.operation === 'subscription';
  } catch {
    return false;
  }
}

function authorizationOf(headers) {
  for (const [name, value] of Object.entries(headers || {})) {
    if (name.toLowerCase() === 'authorization') return String(value);
  }
  return null;
}

export function createFetcher(urls) {
  // One WebSocket client per Authorization value: a changed token opens a new connection.
  let ws = null;
  let wsAuth = null;

  function wsClient(auth) {
    if (ws && wsAuth === auth) return ws;
    if (ws) ws.dispose();
    wsAuth = auth;
    ws = createClient({
      url: urls.ws,
      lazy: true,
      retryAttempts: 0,
      connectionParams: auth ? { Authorization: auth } : {},
    });
    return ws;
  }

  return async function fetcher(params, opts) {
    const headers = opts?.headers || {};
    if (isSubscription(params, opts?.documentAST)) {
      return wsClient(authorizationOf(headers)).iterate({
        query: params.query,
        variables: params.variables || {},
        operationName: params.operationName || undefined,
      });
    }
    const response = await fetch(urls.http, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
      body: JSON.stringify(params),
    });
    return response.json();
  };
}
