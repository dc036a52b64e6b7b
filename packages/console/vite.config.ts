import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The console is served by segflow itself at `/`, so asset URLs are absolute from the root.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact()],
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
});
