/*
 * The GraphQL explorer: GraphiQL served by the hub itself, so it works without internet.
 * Every request carries the headers typed in the Headers tab; the API key goes there as
 * {"Authorization": "Bearer nhk_…"}. After entering it, re-fetch the schema (the ↻ button).
 */
(function () {
  'use strict';
  var DEFAULT_HEADERS = '{\n  "Authorization": "Bearer PASTE-YOUR-API-KEY-HERE"\n}';
  var DEFAULT_QUERY = [
    '# Put your API key in the Headers tab below:',
    '#   {"Authorization": "Bearer nhk_…"}',
    '# (npm start prints a demo admin key),',
    '# then re-fetch the schema with ↻ (bottom left).',
    '',
    '{',
    '  messagingCategories {',
    '    category',
    '    name',
    '  }',
    '}',
    '',
  ].join('\n');

  async function fetcher(params, options) {
    var headers = { 'content-type': 'application/json', accept: 'application/json' };
    var extra = (options && options.headers) || {};
    Object.keys(extra).forEach(function (name) { headers[name] = String(extra[name]); });
    var response = await fetch('/graphql', { method: 'POST', headers: headers, body: JSON.stringify(params) });
    return response.json();
  }

  var root = ReactDOM.createRoot(document.getElementById('explorer'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultHeaders: DEFAULT_HEADERS,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
})();
