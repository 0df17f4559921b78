import type * as tfCore from '@tensorflow/tfjs-core';
import type * as tfLayers from '@tensorflow/tfjs-layers';
import type * as tfConverter from '@tensorflow/tfjs-converter';
import type { TfBackendName as BackendName } from '../protocol/report';

/**
 * The TF.js API the worker computes with: core ops, layers and the converter, as one namespace.
 * Every module takes it from the loaded runtime instead of importing it, because a native backend
 * (@tensorflow/tfjs-node[-gpu]) brings its own copy of tfjs-core and must be driven through it.
 */
export type Tf = typeof tfCore & typeof tfLayers & typeof tfConverter;

/** A ready backend and the namespace to drive it with. */
export interface TfRuntime {
  tf: Tf;
  backend: BackendName;
}
