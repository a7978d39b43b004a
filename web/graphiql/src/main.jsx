// GraphiQL for the billing API, bundled with its dependencies: nothing is loaded from a CDN.
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import { createRoot } from 'react-dom/client';

import { createFetcher, graphqlUrls } from './fetcher.js';

const DEFAULT_QUERY = `# Set your token in the Headers tab below:
#   {"Authorization": "Bearer <token>"}
# Subscriptions (billingRunUpdated) run over WebSocket with the same header.

query Viewer {
  viewer { email }
  schools { id name }
}
`;

const fetcher = createFetcher(graphqlUrls(window.location));

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={DEFAULT_QUERY}
    defaultHeaders={'{\n  "Authorization": "Bearer "\n}'}
    defaultEditorToolsVisibility="headers"
    shouldPersistHeaders={true}
  />,
);
