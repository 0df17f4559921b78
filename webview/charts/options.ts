/** Chart.js options shared by the report's charts, coloured from the theme. */
import type { ChartOptions } from 'chart.js';
import type { ChartTheme } from './theme';

export function baseOptions(theme: ChartTheme, legend: boolean): ChartOptions {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    color: theme.foreground,
    font: { family: theme.fontFamily },
    layout: { padding: { top: 4, right: 8 } },
    plugins: {
      legend: { display: legend, position: 'bottom', labels: { color: theme.foreground, boxWidth: 14, boxHeight: 10, padding: 12, font: { family: theme.fontFamily } } },
      tooltip: { enabled: true },
    },
  };
}

export function categoryAxis(theme: ChartTheme, title?: string) {
  return {
    type: 'category' as const,
    ticks: { color: theme.foreground, font: { family: theme.fontFamily } },
    grid: { display: false },
    border: { color: theme.grid },
    title: { display: Boolean(title), text: title ?? '', color: theme.muted, font: { family: theme.fontFamily } },
  };
}

export function valueAxis(theme: ChartTheme, title: string, tickLabel?: (value: number) => string) {
  return {
    type: 'linear' as const,
    beginAtZero: true,
    ticks: { color: theme.foreground, font: { family: theme.fontFamily }, ...(tickLabel ? { callback: (value: string | number) => tickLabel(Number(value)) } : {}) },
    grid: { color: theme.grid },
    border: { color: theme.grid },
    title: { display: true, text: title, color: theme.muted, font: { family: theme.fontFamily } },
  };
}
