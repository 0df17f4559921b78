/** A decoded image in pixel space: `height·width·channels` values in [0, 1], row-major, channels interleaved. */
export interface Raster {
  width: number;
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  data: Float32Array;
}
