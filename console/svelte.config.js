import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // A single-page app: the hub serves build/ at `/` and answers unknown paths with index.html.
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
    // The fallback page is served at any depth, so asset URLs must be absolute.
    paths: { relative: false },
    typescript: {
      // Let svelte-check also cover the Playwright config and the end-to-end tests.
      config: (tsconfig) => {
        tsconfig.include.push('../playwright.config.ts', '../e2e/**/*.ts');
      },
    },
  },
};

export default config;
