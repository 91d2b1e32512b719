// The service worker that makes the static page cross-origin isolated on any static host.
// Threads in the WebAssembly backend need SharedArrayBuffer, which a browser only gives a page
// served with `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
// require-corp`; `npm run demo` sends them, a plain static host (GitHub Pages, `python3 -m
// http.server`, an unconfigured nginx) does not. This worker re-serves the site's own responses
// with those headers added; demo/isolate.ts registers it and reloads the page once so that the
// page itself comes through it. Service workers need a secure context: https, or localhost.

// The few parts of the service worker's scope used here (tsconfig's DOM lib does not declare them);
// a module to TypeScript, so that they stay local, though the bundle has no export (a classic script).
export {};

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
declare const self: {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
};

// take over at once, and control the page that registered it, so that its reload comes through here
self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // only the site's own files: other origins' responses are left to the browser as they are
  if (new URL(request.url).origin !== self.location.origin) return;
  // Chromium throws on fetching these (a devtools quirk): let the browser handle them
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.status === 0) return response; // opaque: headers cannot be changed
      const headers = new Headers(response.headers);
      headers.set('Cross-Origin-Opener-Policy', 'same-origin');
      headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    }),
  );
});
