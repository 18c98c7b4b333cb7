import { mount } from 'svelte';
import App from './ui/App.svelte';
import { getEngine, progressProxy } from './ui/engine';
import './ui/app.css';
import { registerServiceWorker } from './ui/pwa';

const app = mount(App, { target: document.getElementById('app')! });

// Test hook: browser tests drive the model worker directly through the same client the UI uses.
(window as unknown as { __silico: unknown }).__silico = { engine: getEngine(), proxy: progressProxy };

registerServiceWorker();

export default app;
