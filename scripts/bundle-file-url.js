// Injected into the Node bundles: `import.meta.url` of ES modules bundled as CommonJS (h5wasm
// creates its require() from it) becomes the bundle's own file URL instead of undefined.
import { pathToFileURL } from 'node:url';

export const bundleFileUrl = pathToFileURL(__filename).href;
