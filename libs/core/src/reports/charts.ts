import type * as echarts from 'echarts';
import type { PortfolioReport } from './reports.service';

export const CHARTS = ['funnel', 'money', 'stages', 'timing', 'kills'] as const;
export type ChartName = (typeof CHARTS)[number];

export function isChartName(value: string): value is ChartName {
  return (CHARTS as readonly string[]).includes(value);
}

const WIDTH = 720;
const HEIGHT = 360;
const euros = (cents: number) => Math.round(cents) / 100;
const formatEuros = (value: number) => {
  const digits = Number.isInteger(value) ? 0 : 2;
  return `€${value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
};

let loaded: typeof echarts | undefined;

/**
 * ECharts, loaded when the first chart is drawn: it is 10 MB of heap and 16 MB of resident memory
 * in every API process otherwise, most of which never draws a chart, and all of it marked by
 * every full garbage collection. The load (about 0.2 s, synchronous) is paid once per process.
 */
function library(): typeof echarts {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous, lazy load
  return (loaded ??= require('echarts') as typeof echarts);
}

interface ChartSpec {
  title: string;
  desc: string;
  option: echarts.EChartsOption;
}

function scopeLine(report: PortfolioReport): string {
  const f = report.filters;
  const parts = [f.programmeId ? `programme ${f.programmeId}` : 'all programmes', f.domain ? `domain ${f.domain}` : null, f.agency ? `lead agency ${f.agency}` : null];
  return `${parts.filter(Boolean).join(', ')}, as of ${report.asOf}${report.from ? ` from ${report.from}` : ''}`;
}

function bars(categories: string[], xName: string, yName: string, series: echarts.SeriesOption[], valueFormat?: (v: number) => string): echarts.EChartsOption {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: 'sans-serif' },
    grid: { left: 90, right: 30, top: series.length > 1 ? 70 : 50, bottom: 60 },
    legend: series.length > 1 ? { top: 26 } : undefined,
    xAxis: { type: 'category', data: categories, name: xName, nameLocation: 'middle', nameGap: 32 },
    yAxis: { type: 'value', name: yName, axisLabel: valueFormat ? { formatter: (v: number) => valueFormat(v) } : undefined },
    series,
  };
}

function spec(name: ChartName, report: PortfolioReport): ChartSpec {
  const scope = scopeLine(report);
  switch (name) {
    case 'funnel': {
      const gates = report.funnel.map((f) => f.gate);
      const serie = (label: string, key: 'entered' | 'go' | 'revise' | 'abandon' | 'escalated'): echarts.SeriesOption => ({
        name: label,
        type: 'bar',
        data: report.funnel.map((f) => f[key]),
        label: { show: true, position: 'top' },
      });
      return {
        title: 'Gate funnel',
        desc: `Pilots entering each gate and its decisions (${scope}): ${report.funnel.map((f) => `${f.gate} entered ${f.entered}, go ${f.go}, revise ${f.revise}, abandon ${f.abandon}, escalated ${f.escalated}`).join('; ')}.`,
        option: bars(gates, 'Gate', 'Pilots / decisions', [serie('Entered', 'entered'), serie('Go', 'go'), serie('Revise', 'revise'), serie('Abandon', 'abandon'), serie('Escalated', 'escalated')]),
      };
    }
    case 'money': {
      const m = report.money;
      const steps = [
        ['Envelope', m.envelopeCents],
        ['Committed', m.committedCents],
        ['Spent', m.spentCents],
        ['Released', m.releasedCents],
        ['Remaining', m.remainingCents],
      ] as const;
      return {
        title: 'Envelope waterfall',
        desc: `Money in euros (${scope}): ${steps.map(([k, v]) => `${k.toLowerCase()} ${formatEuros(euros(v))}`).join(', ')}.`,
        option: bars(
          steps.map(([k]) => k),
          'Money',
          'EUR',
          [{ type: 'bar', data: steps.map(([, v]) => euros(v)), label: { show: true, position: 'top', formatter: (p) => formatEuros(Number(p.value)) } }],
          formatEuros,
        ),
      };
    }
    case 'stages': {
      const stages = Object.keys(report.pilots.byStage);
      return {
        title: 'Pilots by stage',
        desc: `Pilots in each stage (${scope}): ${stages.map((s) => `${s} ${report.pilots.byStage[s]}`).join(', ')}; by domain: ${Object.entries(report.pilots.byDomain).map(([d, n]) => `${d} ${n}`).join(', ') || 'none'}.`,
        option: bars(stages, 'Stage', 'Pilots', [{ type: 'bar', data: stages.map((s) => report.pilots.byStage[s]!), label: { show: true, position: 'top' } }]),
      };
    }
    case 'timing': {
      const t = report.timing.medianDaysInStage;
      const stages = Object.keys(t) as Array<keyof typeof t>;
      return {
        title: 'Median days in stage',
        desc: `Median days a pilot spent in each stage before leaving it (${scope}): ${stages.map((s) => `${s} ${t[s] ?? 'n/a'}`).join(', ')}; review turnaround median ${report.timing.medianReviewTurnaroundDays ?? 'n/a'} days, p90 ${report.timing.p90ReviewTurnaroundDays ?? 'n/a'} days.`,
        option: bars(stages, 'Stage', 'Days', [{ type: 'bar', data: stages.map((s) => t[s] ?? 0), label: { show: true, position: 'top' } }]),
      };
    }
    case 'kills': {
      const k = report.failFast;
      const stages = Object.keys(k.abandonedByStage) as Array<keyof typeof k.abandonedByStage>;
      return {
        title: 'Kill economics',
        desc: `Pilots abandoned by the stage they died in (${scope}): ${stages.map((s) => `${s} ${k.abandonedByStage[s]}`).join(', ')}; committed ${formatEuros(euros(k.committedAtAbandonCents))}, spent ${formatEuros(euros(k.spentAtAbandonCents))}, released ${formatEuros(euros(k.releasedAtAbandonCents))} at abandonment.`,
        option: bars(stages, 'Stage at abandonment', 'Pilots', [{ type: 'bar', data: stages.map((s) => k.abandonedByStage[s]), label: { show: true, position: 'top' } }]),
      };
    }
  }
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A chart of the report as SVG, rendered on the server by Apache ECharts (SSR, no DOM),
 * animation off. ECharts numbers its ids and classes per instance; they are renumbered in order
 * of appearance so the same data gives byte-identical output. `<title>` and `<desc>` follow the
 * root element, for screen readers and for a funder citing the figure.
 */
export function renderChart(name: ChartName, report: PortfolioReport): string {
  const { title, desc, option } = spec(name, report);
  const chart = library().init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption({ ...option, title: { text: title, left: 'center', top: 0, textStyle: { fontSize: 14 } }, aria: { enabled: true, label: { description: desc } } });
    const svg = chart.renderToSVGString();
    const ids = new Map<string, string>();
    const stable = svg.replace(/\bzr\d+-[a-z]+-?\d*/g, (id) => {
      if (!ids.has(id)) ids.set(id, `lg-${ids.size}`);
      return ids.get(id)!;
    });
    return stable.replace(/^(<svg[^>]*>)/, `$1<title>${escapeXml(title)}</title><desc>${escapeXml(desc)}</desc>`);
  } finally {
    chart.dispose();
  }
}
