/** Chart colours, read from the page's theme tokens (VS Code theme variables or the standalone fallbacks). */

export interface ChartTheme {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  fontFamily: string;
  /** Adversarial perturbations. */
  adversarial: string;
  /** One colour per α, in the run's α order (cycled). */
  alphas: string[];
  measured: string;
  predicted: string;
  reference: string;
}

function token(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readChartTheme(): ChartTheme {
  const style = getComputedStyle(document.body);
  const blue = token(style, '--rl-chart-blue', '#3794ff');
  const red = token(style, '--rl-chart-red', '#f14c4c');
  const green = token(style, '--rl-chart-green', '#89d185');
  const yellow = token(style, '--rl-chart-yellow', '#cca700');
  const orange = token(style, '--rl-chart-orange', '#d18616');
  const purple = token(style, '--rl-chart-purple', '#b180d7');
  return {
    foreground: token(style, '--rl-chart-foreground', '#cccccc'),
    muted: token(style, '--rl-muted', '#9d9d9d'),
    grid: token(style, '--rl-chart-lines', 'rgba(128,128,128,0.35)'),
    background: token(style, '--rl-bg', '#1f1f1f'),
    fontFamily: token(style, '--rl-font', 'system-ui, sans-serif'),
    adversarial: blue,
    alphas: [green, yellow, orange, red, purple],
    measured: orange,
    predicted: purple,
    reference: token(style, '--rl-muted', '#9d9d9d'),
  };
}

let probe: CanvasRenderingContext2D | null = null;

/** `color` (any CSS colour) with its opacity replaced by `alpha`. */
export function withAlpha(color: string, alpha: number): string {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return color;
  probe.fillStyle = '#000000';
  probe.fillStyle = color;
  const normalised = probe.fillStyle;
  if (normalised.startsWith('#')) {
    const n = parseInt(normalised.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const parts = normalised.match(/[\d.]+/g);
  return parts && parts.length >= 3 ? `rgba(${parts[0]}, ${parts[1]}, ${parts[2]}, ${alpha})` : color;
}
