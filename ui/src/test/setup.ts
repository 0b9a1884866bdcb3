import '@testing-library/jest-dom/vitest';
import { afterEach } from 'vitest';
import { setLanguage } from '../lib/i18n/index.svelte';

// Every test starts in English; the language is module state shared by all components.
afterEach(() => {
  setLanguage('en');
});
