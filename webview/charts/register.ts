/** Registers the Chart.js pieces the report uses (tree-shaken: nothing else is bundled). */
import { CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip } from 'chart.js';
import { Violin, ViolinController } from '@sgratzl/chartjs-chart-boxplot';

let registered = false;

export function registerCharts(): void {
  if (registered) return;
  Chart.register(CategoryScale, LinearScale, LogarithmicScale, LineController, LineElement, PointElement, Filler, Legend, Tooltip, ViolinController, Violin);
  registered = true;
}
