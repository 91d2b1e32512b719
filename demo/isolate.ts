// Cross-origin isolation for the page on a static host: registers demo/coi-sw.ts (see there why)
// and reloads once, so that the page comes back through it with the COOP/COEP headers.

const RELOADED = 'sslgpu-coi-reloaded';

/**
 * Resolves when the page should start as it is: it is cross-origin isolated (the server sent the
 * headers, or the service worker did), or it cannot be (no service workers: a page on http from a
 * host other than localhost, or a browser that refuses them; then the backend runs one thread and
 * says so). Otherwise it reloads the page, once, and never resolves. `log` says what happened.
 */
export async function crossOriginIsolate(log: (text: string) => void): Promise<void> {
  const reloaded = sessionStorage.getItem(RELOADED) !== null;
  sessionStorage.removeItem(RELOADED);
  if (window.crossOriginIsolated === true) return; // nothing to do, e.g. under `npm run demo`, which sends the headers
  if (!isSecureContext || !('serviceWorker' in navigator)) {
    log('not cross-origin isolated and no service workers here (they need https or localhost): one thread');
    return;
  }
  if (reloaded) {
    // the reload came back without the headers: do not loop
    log('not cross-origin isolated, even through the service worker: one thread');
    return;
  }
  try {
    await navigator.serviceWorker.register(new URL('coi-sw.js', location.href).href);
    await navigator.serviceWorker.ready;
  } catch (error) {
    log(`the service worker that would isolate the page did not start (${(error as Error).message}): one thread`);
    return;
  }
  sessionStorage.setItem(RELOADED, '1');
  location.reload();
  return new Promise(() => {}); // the page goes away
}
