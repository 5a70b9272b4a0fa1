// Starts GraphiQL on the gateway's page (app/graphql/ide.html). No inline script: the page's
// Content-Security-Policy allows scripts from the gateway only, so everything the page knows
// (endpoint, first query, headers) comes in data attributes of #graphiql.
(function () {
  "use strict";

  var root = document.getElementById("graphiql");
  var config = root.dataset;

  if (typeof React === "undefined" || typeof ReactDOM === "undefined" || typeof GraphiQL === "undefined") {
    var message = document.createElement("p");
    message.className = "ide-loading";
    message.textContent =
      "GraphiQL's scripts did not load" +
      (config.assets === "cdn" ? " from the CDN (see above)." : ": run `make assets` and reload.");
    root.replaceChildren(message);
    return;
  }

  // HTTP only: no subscription URL, so GraphiQL never opens a WebSocket.
  var fetcher = GraphiQL.createFetcher({ url: new URL(config.endpoint, window.location.href).href });
  var plugins = typeof GraphiQLPluginExplorer === "undefined" ? [] : [GraphiQLPluginExplorer.explorerPlugin()];

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: plugins,
      query: config.query,
      defaultQuery: config.query,
      headers: config.headers,
      defaultHeaders: config.headers,
      // The key stays in this page: never written to the browser's storage.
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: "headers",
      inputValueDeprecation: true,
    }),
  );
})();
