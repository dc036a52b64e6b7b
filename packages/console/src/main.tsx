import { render } from 'preact';
import { SessionProvider } from './api.js';
import { App } from './app.js';
import './style.css';

render(
  <SessionProvider>
    <App />
  </SessionProvider>,
  document.getElementById('app')!,
);
