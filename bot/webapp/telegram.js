// The Telegram side of the page, without telegram-web-app.js (no CDN: the page must work
// offline and in tests). Telegram puts the launch parameters in the URL fragment
// (#tgWebAppData=...&tgWebAppThemeParams=...) and talks to the page through a small event
// bridge; this module reads the one and speaks the few events the page needs.
// When the official script IS present (window.Telegram.WebApp), it is used instead.

function fragmentParams() {
  const hash = location.hash.replace(/^#/, '');
  // The console's development sign-in: "#dev=<initData>", the raw query string or encoded
  // once. Everything after "dev=" is initData, so it is cut off before parsing the rest.
  const devAt = hash.search(/(^|&)dev=/);
  if (devAt >= 0) {
    const start = hash.indexOf('dev=', devAt) + 4;
    let raw = hash.slice(start);
    if (!raw.includes('hash=')) raw = decodeURIComponent(raw);
    const params = new URLSearchParams(hash.slice(0, devAt));
    params.set('dev', raw);
    return params;
  }
  return new URLSearchParams(hash);
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}

/** Everything the page needs from Telegram (or from the development fragment). */
export function launchParams() {
  const webApp = window.Telegram?.WebApp;
  const fragment = fragmentParams();
  const query = new URLSearchParams(location.search);
  const forced = query.get('theme') || fragment.get('theme');
  if (webApp && webApp.initData) {
    return {
      initData: webApp.initData,
      themeParams: webApp.themeParams || {},
      colorScheme: forced || webApp.colorScheme || null,
      inTelegram: true,
    };
  }
  const initData = fragment.get('tgWebAppData') || fragment.get('dev') || '';
  return {
    initData,
    themeParams: parseJson(fragment.get('tgWebAppThemeParams')),
    colorScheme: forced || null,
    inTelegram: fragment.has('tgWebAppData'),
  };
}

/** Sends an event to the Telegram client (the protocol telegram-web-app.js speaks). */
export function postEvent(type, data = {}) {
  const webApp = window.Telegram?.WebApp;
  if (webApp) {
    if (type === 'web_app_ready') webApp.ready?.();
    if (type === 'web_app_expand') webApp.expand?.();
    return;
  }
  const payload = JSON.stringify(data);
  try {
    if (window.TelegramWebviewProxy) {
      window.TelegramWebviewProxy.postEvent(type, payload); // iOS and Android clients
    } else if (window.parent !== window) {
      window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), '*');
    }
  } catch {
    // Outside Telegram nobody listens: nothing to tell.
  }
}

/** Calls back with the new theme parameters when the user switches Telegram's theme. */
export function onThemeChanged(callback) {
  const webApp = window.Telegram?.WebApp;
  if (webApp?.onEvent) {
    webApp.onEvent('themeChanged', () => callback(webApp.themeParams || {}, webApp.colorScheme));
    return;
  }
  // Mobile clients call window.Telegram.WebView.receiveEvent; web clients post a message.
  const receive = (type, data) => {
    if (type === 'theme_changed' && data?.theme_params) callback(data.theme_params, null);
  };
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = window.Telegram.WebView || { receiveEvent: receive };
  window.addEventListener('message', (event) => {
    const message = typeof event.data === 'string' ? parseJson(event.data) : event.data;
    if (message?.eventType) receive(message.eventType, message.eventData);
  });
}

/** A short vibration on phones, when Telegram offers it. */
export function haptic(style = 'light') {
  const feedback = window.Telegram?.WebApp?.HapticFeedback;
  if (feedback) feedback.impactOccurred(style);
  else postEvent('web_app_trigger_haptic_feedback', { type: 'impact', impact_style: style });
}
