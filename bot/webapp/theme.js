// Telegram's theme colours (Telegram.WebApp.themeParams) as CSS variables. The page has
// its own light and dark palettes (app.css); Telegram's colours, when given, override them.

const VARIABLES = {
  bg_color: '--bg',
  secondary_bg_color: '--bg-2',
  section_bg_color: '--section-bg',
  text_color: '--text',
  hint_color: '--hint',
  subtitle_text_color: '--subtitle',
  link_color: '--link',
  button_color: '--accent',
  button_text_color: '--accent-text',
  destructive_text_color: '--danger',
  header_bg_color: '--header-bg',
  section_separator_color: '--separator',
};

function isDark(hex) {
  const match = /^#?([0-9a-f]{6})$/i.exec(hex || '');
  if (!match) return null;
  const value = parseInt(match[1], 16);
  const [r, g, b] = [value >> 16, (value >> 8) & 255, value & 255];
  return 0.299 * r + 0.587 * g + 0.114 * b < 128;
}

export function applyTheme(themeParams = {}, colorScheme = null) {
  const root = document.documentElement;
  let scheme = colorScheme;
  if (scheme !== 'dark' && scheme !== 'light') {
    const fromBackground = isDark(themeParams.bg_color);
    if (fromBackground !== null) scheme = fromBackground ? 'dark' : 'light';
    else scheme = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }
  root.dataset.theme = scheme;
  // A forced scheme (tests, ?theme=) that disagrees with Telegram's colours keeps the page's
  // own palette for it: light text on a light background would be unreadable.
  const agrees = isDark(themeParams.bg_color) === null
    || isDark(themeParams.bg_color) === (scheme === 'dark');
  for (const [param, variable] of Object.entries(VARIABLES)) {
    const value = themeParams[param];
    if (agrees && /^#[0-9a-f]{3,8}$/i.test(value || '')) root.style.setProperty(variable, value);
    else root.style.removeProperty(variable);
  }
  const meta = document.querySelector('meta[name=theme-color]');
  if (meta) meta.content = getComputedStyle(root).getPropertyValue('--header-bg').trim();
}
