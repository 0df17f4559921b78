/** The markup both report pages share: the mount point the webview bundle fills in. */
import { escapeHtml } from './escape';

export const defaultTitle = 'Robustness Lens report';

/** `<main>` the bundle renders into, with a message for the moment before it runs. */
export function appMount(): string {
  return '<main id="app" aria-busy="true"><p class="rl-loading">Loading the report…</p></main>';
}

export function titleElement(title: string | undefined): string {
  return `<title>${escapeHtml(title ?? defaultTitle)}</title>`;
}
