// The page served at GET /connect/: a stand-in for Nango's Connect UI that speaks the openConnectUI iframe
// protocol of @nangohq/frontend (its connectUI.js): post {type:'ready'}, receive {type:'session_token'}, then
// post {type:'connect'} + {type:'close'} after "Authorize", or {type:'close'} after "Cancel".
// Opened directly (connect_link, ?session_token=...) it works the same without a parent window.
export function connectUiHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Nango sandbox - Connect</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font-family: system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid; place-items: center; background: rgba(15, 23, 42, .6); }
  main { background: #fff; border-radius: 12px; padding: 24px 28px; width: min(420px, 90vw); box-shadow: 0 10px 40px rgba(0,0,0,.3); }
  .badge { display: inline-block; background: #fef3c7; color: #92400e; border: 1px solid #f59e0b; border-radius: 999px; padding: 2px 10px; font-size: 12px; font-weight: 600; }
  h1 { font-size: 20px; margin: 12px 0 4px; }
  p { color: #374151; }
  .actions { display: flex; gap: 12px; margin-top: 20px; }
  button { font: inherit; padding: 8px 16px; border-radius: 8px; border: 1px solid #d1d5db; background: #fff; cursor: pointer; }
  button.primary { background: #111827; color: #fff; border-color: #111827; }
  button:disabled { opacity: .5; cursor: default; }
  [role=alert] { color: #b91c1c; }
</style>
</head>
<body>
<main aria-labelledby="title">
  <span class="badge">Nango sandbox - no real account is connected</span>
  <h1 id="title">Connect an account</h1>
  <p id="status" aria-live="polite">Waiting for the session...</p>
  <p id="error" role="alert" hidden></p>
  <div class="actions">
    <button id="authorize" class="primary" disabled>Authorize</button>
    <button id="cancel">Cancel</button>
  </div>
</main>
<script>
(() => {
  const params = new URLSearchParams(location.search);
  const apiURL = (params.get('apiURL') || location.origin).replace(/\\/$/, '');
  const inFrame = window.parent !== window;
  const $ = (id) => document.getElementById(id);
  let token = null;
  let integration = null;

  const post = (message) => { if (inFrame) window.parent.postMessage(message, '*'); };
  const fail = (errorType, errorMessage) => {
    $('error').textContent = errorMessage; $('error').hidden = false;
    post({ type: 'error', payload: { errorType, errorMessage } });
  };

  async function loadSession(sessionToken) {
    token = sessionToken;
    const res = await fetch(apiURL + '/connect/session', { headers: { Authorization: 'Bearer ' + token } });
    if (!res.ok) return fail('invalid_session', 'This connect session is invalid or has expired.');
    const session = (await res.json()).data;
    // Like the real Connect UI: the session names allowed integration ids, /integrations describes them.
    const list = await fetch(apiURL + '/integrations', { headers: { Authorization: 'Bearer ' + token } });
    const integrations = list.ok ? (await list.json()).data : [];
    const allowed = session.allowed_integrations || integrations.map((i) => i.unique_key);
    integration = integrations.find((i) => allowed.includes(i.unique_key));
    if (!integration) return fail('no_integration', 'The session allows no integration.');
    $('title').textContent = (session.isReconnecting ? 'Reconnect ' : 'Connect ') + integration.display_name;
    $('status').textContent = 'Signed in as ' + (session.endUser && (session.endUser.email || session.endUser.id) || 'unknown user') + '.';
    $('authorize').textContent = 'Authorize ' + integration.display_name;
    $('authorize').disabled = false;
  }

  $('authorize').addEventListener('click', async () => {
    $('authorize').disabled = true;
    const res = await fetch(apiURL + '/_sandbox/connect/authorize', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ integration_id: integration.unique_key }),
    });
    if (!res.ok) { $('authorize').disabled = false; return fail('authorization_failed', 'Authorization failed (' + res.status + ').'); }
    const { providerConfigKey, connectionId } = await res.json();
    $('status').textContent = integration.display_name + ' is connected. You can close this window.';
    post({ type: 'connect', payload: { providerConfigKey, connectionId } });
    post({ type: 'close' });
  });

  $('cancel').addEventListener('click', () => {
    post({ type: 'close' });
    if (!inFrame) $('status').textContent = 'Cancelled. You can close this window.';
  });

  window.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'session_token' && event.data.sessionToken) void loadSession(event.data.sessionToken);
  });
  if (params.get('session_token')) void loadSession(params.get('session_token'));
  post({ type: 'ready' });
})();
</script>
</body>
</html>`;
}
