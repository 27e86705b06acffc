// Runs before uPlot, which formats numbers with `new Intl.NumberFormat(navigator.language)`.
// Some browsers report a language tag that Intl rejects — headless Chromium under a POSIX
// locale (LANG=C.UTF-8) reports "en-US@posix" — and uPlot would then throw "Invalid language
// tag" and draw nothing. Such a tag is replaced, for this page, by its valid part or "en-US".

(() => {
  const valid = (tag) => {
    try {
      return typeof tag === 'string' && Intl.getCanonicalLocales(tag).length === 1;
    } catch {
      return false;
    }
  };
  const reported = navigator.language;
  if (valid(reported)) return;
  const base = typeof reported === 'string' ? reported.split(/[@.]/)[0].replace(/_/g, '-') : '';
  const language = valid(base) ? base : 'en-US';
  const languages = (navigator.languages ?? []).filter(valid);
  Object.defineProperty(navigator, 'language', { value: language, configurable: true });
  Object.defineProperty(navigator, 'languages', {
    value: Object.freeze(languages.length > 0 ? languages : [language]),
    configurable: true,
  });
})();
