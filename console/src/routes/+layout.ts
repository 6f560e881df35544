// The console is a client-only app served as static files by the hub.
export const ssr = false;
export const prerender = false;
